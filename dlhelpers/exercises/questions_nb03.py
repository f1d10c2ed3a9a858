"""Notebook 03's concept questions (weight initialization, activations and their histograms)."""

QUESTIONS = [
    ("Why does a layer whose weights all start equal never learn more than one unit's worth, "
     "however long it trains?",
     "Every unit of the layer computes the same output, so backprop hands every unit the same gradient "
     "(upstream gradient times the same inputs); after the update they are still equal. The symmetry "
     "cannot break by itself: random initial weights are what makes the units differ."),
    ("A sigmoid net with weight std 1 is saturated. Does the gradient then vanish on its way to layer 1? "
     "What decides it?",
     "Not necessarily. Each layer multiplies the gradient's std by about sqrt(n) * sigma * rms(f'): the "
     "slope is small at the rails, but sqrt(100) * 1 = 10 makes up for it (about 0.95 per layer in section "
     "2). What saturation kills is learning by the saturated units; std 0.01 is the one whose gradient "
     "vanishes (0.025 per layer)."),
    ("Why does He initialization use twice the variance of the book's 'Xavier' (LeCun) rule?",
     "ReLU sets the negative half of its input to zero, so it keeps only half of the variance of a "
     "zero-mean symmetric pre-activation. Doubling the weight variance (sigma = sqrt(2 / n_in)) restores "
     "it, so the signal's spread stays the same from layer to layer instead of shrinking by 1/sqrt(2)."),
    ("Where does the gain 5/3 for tanh come from, and what goes wrong with gain 1 or gain 3?",
     "tanh keeps only E[tanh(z)^2] = 0.39 of a unit-variance input's variance; 1/sqrt(0.39) = 1.6, which "
     "PyTorch rounds to 5/3. With gain 1 the spread drains towards zero layer by layer; with gain 3 many "
     "units sit at +-1 (saturated) and pass little gradient."),
    ("What is a dead ReLU, why does a too large learning rate make many, and why is Leaky ReLU not "
     "a sure cure?",
     "A unit whose input is negative for every sample: it outputs 0 and gets no gradient, so it never "
     "recovers. A large step can push its weights there. Leaky ReLU keeps a slope of 0.01 on that side, "
     "but a hundredth of the gradient is too little to pull it back quickly; in section 4 it did not "
     "measurably beat ReLU. The cure is a smaller learning rate."),
    ("What does the update:data ratio measure, and what do values near -5 or near -1 (log10) suggest?",
     "It is the size of one SGD update relative to the weights it changes, std(lr * dW) / std(W), per "
     "layer. About 1e-3 (-3) is CS231n's healthy range. Near -5 the layer barely moves (learning rate "
     "too small, or saturated units passing no gradient); near -1 each step changes the weights by a "
     "tenth, usually too large a learning rate."),
    ("Why do all-positive inputs slow a unit's learning, and what fixes it?",
     "The weight gradient of a unit is dL/dz times its input; if every input is positive, every component "
     "has the sign of dL/dz, so all weights move up together or down together and a target that needs "
     "mixed signs is reached only by a zig-zag. Zero-centring the inputs (statistics from the training "
     "set) removes it."),
]
