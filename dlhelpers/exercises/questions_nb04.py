"""Notebook 04's concept questions (batch normalization), printed by ``questions("04")``."""

QUESTIONS = [
    ("BN forces every unit to mean 0 and variance 1 over the batch. Why does that not limit what the "
     "network can represent?",
     "Because gamma and beta are learned: with gamma = sqrt(var + eps) and beta = mu the layer returns "
     "its input unchanged, so any mean and spread the unnormalized net could produce is still reachable; "
     "BN only changes how easy each setting is to find."),
    ("Why must a BN layer behave differently at test time, and what does it use instead of the batch "
     "statistics?",
     "A test input may come alone (batch of one: its variance is 0, every output would be beta) and its "
     "answer must not depend on which other images happen to share its batch. So test mode uses the "
     "running mean and variance collected during training: a fixed affine map per unit."),
    ("The Affine layer in front of a BN layer has a bias b. What gradient does b receive, and why?",
     "Exactly zero: adding a constant to every sample moves the batch mean by that constant and BN "
     "subtracts it again, so the loss cannot depend on b. Beta takes over its job, which is why "
     "frameworks build such layers with bias=False."),
    ("You multiply the weights feeding a BN layer by 10. What happens to the loss, to their gradient, "
     "and to the size of one SGD step relative to the weights?",
     "The loss is unchanged (BN divides the factor out again), the gradient shrinks by 10, and a step "
     "relative to the weights' size shrinks by 100: the weight scale acts as an effective learning "
     "rate, which is how BN turns a bad init scale into slow rather than broken learning."),
    ("At weight std 1e-4 a BN net learns far better with eps = 1e-6 than with 1e-5. What does eps have "
     "to do with the weight scale?",
     "BN divides by sqrt(var + eps). When the batch variance of a layer's input falls below eps (tiny "
     "weights give variances near 1e-6 and smaller in deep layers), eps dominates the denominator, the "
     "output's spread stays far below 1 and shrinks again layer after layer: BN can no longer restore "
     "the signal. A smaller eps keeps the division close to the true std."),
    ("Why does BN get worse with mini-batches of 2 or 4 samples while LayerNorm does not?",
     "BN estimates each unit's mean and variance from the batch: with 2 samples the estimate is pure "
     "noise, training sees a different normalization every step and the running averages for test "
     "mode come from those noisy estimates. LayerNorm normalizes each sample over its own units, so "
     "the batch size does not enter its computation at all."),
    ("Two settings are each trained once and differ by 2 points of accuracy. What do you need before "
     "calling one of them better?",
     "Several paired seeds (the same seeds, hence the same initial weights and batches, for both "
     "settings) and the spread of the difference: if the mean difference is not clearly larger than "
     "its standard error, or one setting wins on only some seeds, the two are not told apart."),
]
