"""Notebook 01's concept questions (loss functions and backpropagation), answered on request."""

QUESTIONS = [
    ("Why can't gradient descent maximise the accuracy directly, when accuracy is what we care about?",
     "Accuracy counts correct answers, so it is a step function of the weights: a small move almost "
     "never flips a prediction (section 5 measured no change on most of 200 moves), and its derivative "
     "is zero almost everywhere. A zero gradient gives no direction. The loss changes on every move, "
     "so its gradient always says which way is downhill."),
    ("A network outputs probability 0.0003 for the true class. Which loss, squared error or "
     "cross-entropy, sends back the larger gradient to the score, and why?",
     "Cross-entropy: its gradient with respect to the score is y - t, about -1 here. The squared error's "
     "is (y - t) y (1 - y): the sigmoid's (or softmax's) derivative multiplies in and is nearly 0 when the "
     "output saturates, so the most wrong predictions are corrected the least."),
    ("Why is the batch loss the mean over the N samples rather than the sum?",
     "With the mean, the loss and its gradient do not grow with the batch size, so one learning rate "
     "works for batches of 100 and of 1000. With the sum, doubling the batch doubles every step."),
    ("The central difference needs no calculus at all. Why do we not train networks with it?",
     "It costs two forward passes per parameter: for the 39,760 parameters of the 784-50-10 net that is "
     "about 80,000 forward passes for one gradient, tens of thousands of times slower than one backward "
     "pass, which delivers all the derivatives at once. It is used only to check backprop."),
    ("In the backward pass of a multiply node z = x * y, why does the gradient for x use y?",
     "Because dz/dx = y: the local derivative of a product with respect to one input is the other input. "
     "So each input receives the upstream gradient times the other input; Affine's dW = X^T dY and "
     "dX = dY W^T are the matrix form of this swap."),
    ("A gradient check reports W2 and b2 fine but W1 and b1 with relative errors near 1. Where do you "
     "look for the bug, and why there?",
     "Between the last parameter that passes and the first that fails: the gradient reaches W2 correctly, "
     "so the loss layer and Affine 2 are right; it goes wrong before it reaches W1, so the layer between "
     "them (the activation) or the input gradient of Affine 2 is wrong. Check those layers one at a time."),
    ("Why does the gradient check run in float64 and report a relative, not an absolute, error?",
     "The central difference subtracts two nearly equal losses; in float32 that rounding error, divided by "
     "the small step h, swamps the derivative. Gradients also span many orders of magnitude, so an absolute "
     "tolerance would be too strict for large ones and meaningless for tiny ones; a relative error below "
     "1e-7 in float64 is a pass everywhere."),
]
