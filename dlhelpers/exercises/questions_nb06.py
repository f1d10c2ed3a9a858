"""Notebook 06's concept questions (hyperparameter search); answers come only through ``answer('06.k')``."""

QUESTIONS = [
    ("Why is the test score of a configuration chosen on the test set an optimistic estimate, "
     "even if no weight was ever trained on the test images?",
     "Choosing among many trials by their test scores fits the hyperparameters to those test "
     "images: the winner is partly the trial that was lucky on them. Its score is then the maximum "
     "of many noisy estimates, which is biased upwards. The notebook measures the same effect on "
     "the validation set: the chosen trial scores a few points lower on the untouched test set."),
    ("Why draw the learning rate as 10**U(-6, -2) rather than U(1e-6, 1e-2)?",
     "The effect of a learning rate is multiplicative, so every decade matters about equally. "
     "Uniform sampling in the value puts about 90 % of the draws in the top decade (1e-3 to 1e-2) "
     "and almost none below 1e-4; uniform sampling in the exponent gives each decade a quarter."),
    ("The best trial of a round sits at the top edge of its learning-rate range. What do you do, "
     "and why is narrowing around it the wrong move?",
     "Move (extend) the range beyond that edge and search again: the optimum may lie outside the "
     "range, and narrowing would only search more finely in the wrong place. The search is "
     "finished only when the best value sits inside its range."),
    ("With two hyperparameters of which only one matters, why do 9 random trials usually beat a "
     "3 x 3 grid?",
     "The grid tries the important hyperparameter at only 3 distinct values (each three times, "
     "wasted on the unimportant one); 9 random trials try it at 9 distinct values, so one of them "
     "is more likely to land near its peak."),
    ("A score on 100 validation images has a standard error of about 0.03. What does that mean "
     "for ranking the five best trials of a round whose scores differ by 0.02?",
     "Their order is noise: a difference smaller than the standard error of each score says "
     "nothing about which configuration is better. Stop refining, or measure on more data or "
     "over several seeds before ranking them."),
    ("What does successive halving trade, and what is its risk?",
     "It spends the same total epochs on many more configurations by training all of them briefly "
     "and promoting only the best fraction to longer runs. The risk: a configuration that starts "
     "slowly but would end best (a small learning rate, a strong regularizer) is dropped in an "
     "early rung. Early in the budget it holds only short-run scores, so its best-so-far curve "
     "trails random search's until its last rung."),
    ("An untrained 10-class net with weight decay switched off starts at a loss of 2.9. What do "
     "you suspect, and what should the loss be?",
     "About ln 10 = 2.303: with small random weights every class gets probability about 1/10. A "
     "loss well above that means overconfident random scores, i.e. an init scale that is too "
     "large (or a penalty term still included): fix it before any search."),
    ("The update-to-weight ratio of a layer is 1e-5 per step. What does it say, and what would "
     "you change?",
     "Each step changes the weights by a hundred-thousandth of their size, about a hundred times "
     "less than the rule of thumb of 1e-3: learning crawls. Raise the learning rate (or check "
     "that the layer's gradient is not vanishing)."),
]
