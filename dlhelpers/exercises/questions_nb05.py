"""Notebook 05's concept questions (overfitting and regularization); answers only via ``answer('05.N')``."""

QUESTIONS = [
    ("Training accuracy is 1.000 and validation accuracy 0.84. Is that overfitting or underfitting, "
     "and which single number tells you?",
     "Overfitting: the net fits its training images perfectly but not new ones. The number is the "
     "generalization gap, train minus validation accuracy (about 0.16 here). Underfitting would show "
     "both accuracies low and close together, as with weight decay 0.1 or dropout 0.5."),
    ("Why is the weight-decay penalty written with a factor 1/2, and what does plain SGD do to every "
     "weight because of it?",
     "So that its gradient is exactly lambda * W. The SGD step then becomes W <- (1 - lr * lambda) W - "
     "lr * dL/dW: before each step every weight shrinks by the factor 1 - lr * lambda (1 % per step at "
     "lr 0.1 and lambda 0.1), which is where the name 'decay' comes from."),
    ("Inverted dropout divides by (1 - p) during training; the book's form multiplies by (1 - p) at "
     "test time. Why do both give the same network, and why do frameworks prefer the inverted one?",
     "In both forms the training output averages to that form's test output; they differ by a constant "
     "factor 1 - p that the next layer's weights absorb. The inverted form does all the scaling in "
     "training, so the network used for inference needs no dropout code at all and changing p never "
     "touches it."),
    ("A regularizer gains +2 points of validation accuracy on one run. What do you need before "
     "believing it, and why pair the seeds?",
     "Several seeds, each compared with the baseline of the same seed, and the mean gain with its "
     "standard error: at these settings the seed alone (or another CPU's last-bit arithmetic) moves a "
     "run by a few points. Pairing cancels the luck the two runs share (same weights, same batches), so "
     "the spread of the differences is smaller than the spread of the scores."),
    ("Why does dropout 0.5 make this net unable to fit even its 300 training images, while the book "
     "recommends ratios up to 0.5?",
     "The net has six dropout layers in a row: at 0.5 only 0.5**6, about 1.6 %, of the paths through "
     "it survive a step intact, and 300 updates are not enough to learn through that much noise. The "
     "ratio that helps depends on depth and training budget; shallower nets or longer training "
     "tolerate more."),
    ("Dropout's test mode matched the average of its thinned networks, yet an ensemble of 8 "
     "independently trained nets did better. Why?",
     "The thinned networks of one dropout net share their weights and were trained together, so their "
     "errors are strongly correlated and averaging them adds little beyond the test-mode pass. "
     "Independently trained nets start from different weights and see batches in different orders, so "
     "they make more different mistakes, and averaging cancels more of them (at 8 times the cost)."),
    ("Early stopping keeps the weights of the epoch with the best validation accuracy. Why is that "
     "epoch's validation accuracy an optimistic estimate, and which number tells you what stopping was worth?",
     "The epoch was chosen as the best of many noisy epochs on those very validation images, so their "
     "score there is biased upwards (a maximum of noisy values). The test images played no part in the "
     "choice, so their accuracy measures what the choice is worth: in this notebook, nothing beyond the "
     "training time saved."),
]
