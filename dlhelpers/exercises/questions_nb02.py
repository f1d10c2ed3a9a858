"""Notebook 02's concept questions: (question, answer) pairs; ``questions("02")`` prints the questions."""

QUESTIONS = [
    ("On f(x, y) = x²/20 + y², why can SGD not just take a larger learning rate to move faster along x?",
     "Along y each step multiplies y by 1 - 2·lr, so any lr above 1 makes |y| grow and the path diverges. "
     "The steep direction caps the learning rate, and along the flat x direction that capped rate "
     "shrinks x only by the factor 1 - lr/10 per step."),
    ("Momentum keeps a velocity v <- αv - ηg. Why does it help along a long, flat valley but barely "
     "along the steep walls?",
     "Along the valley the gradients point the same way step after step, so the velocity adds them up "
     "(up to 1/(1 - α) times one step); across the valley they alternate in sign and cancel in v. Its "
     "advantage therefore grows with the condition number."),
    ("Why does AdaGrad's step shrink forever, and how does RMSprop fix it?",
     "AdaGrad divides by the square root of the running SUM of squared gradients, which can only grow, so "
     "under a steady gradient the step falls like lr/sqrt(t). RMSprop uses an exponential moving average "
     "instead, which forgets old gradients, so its step levels off at about lr."),
    ("What does Adam's bias correction correct, and what would the first steps look like without it?",
     "m and v start at zero, so their moving averages are biased towards zero for the first steps. "
     "Dividing by 1 - β^t removes that bias. Without it m is too small by (1 - β1) and v by (1 - β2) at "
     "step 1, so the first step is lr·0.1/sqrt(0.001), about three times lr, instead of lr."),
    ("With Adam, why is adding λW to the gradient (L2) not the same as AdamW's decoupled weight decay?",
     "Adam divides the whole gradient, λW included, by sqrt(v_hat). A weight with large gradients then "
     "receives almost none of the decay, and a weight with tiny gradients is pulled to zero at up to lr per "
     "step. AdamW shrinks every weight by the same factor 1 - lr·λ outside Adam's scaling."),
    ("How do you read a learning-rate range test, and which rate do you pick?",
     "Plot the smoothed loss against a learning rate that grows exponentially every step. It is flat "
     "where the rate is too small to matter, falls where the net learns, reaches a minimum and then blows "
     "up. Pick a rate on the falling slope, about ten times below the minimum: at the minimum the rate is "
     "already almost too large."),
    ("Warmup + cosine and one-cycle end near zero. On a short run, what does decaying the rate buy, "
     "and what does it not buy?",
     "It buys steadiness: at a large constant rate the last epochs can throw the net off, while a "
     "decayed rate settles into a low-noise minimum, so the final epoch is about as good as the best one. "
     "It does not, on this short run, buy a clearly better best epoch: the schedules differ by less than "
     "the seed-to-seed spread."),
    ("SGD at lr 0.1 beats Adam at lr 0.01 on the MNIST race, and Adam at 0.001 beats both. What "
     "does that say about comparing optimizers?",
     "A comparison of optimizers is a comparison of optimizers AT their hyperparameters: changing the "
     "learning rate by a factor of 10 moves each one's result more than switching between them. No "
     "optimizer always wins; compare each at its own well-chosen rate, over several seeds."),
]
