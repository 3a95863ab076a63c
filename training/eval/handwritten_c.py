"""A third hand-written set (session 14), written before phase 11 was trained and never used to choose anything
in it; same format as handwritten.py. It covers the families phase 11 targets, in other words than the design
list (eval/requests/session14-design.txt): leaving or declining, questions about what the bot can make,
videos and sounds of things outside the shapes world, beeps with the pitch first, image verbs, two tasks;
plus ordinary requests as controls."""
from handwritten import A, E, G, N, S, V

CASES = [
    # leaving, declining
    ("alright, bye!", N, [], False),
    ("ok that's enough for today", N, [], False),
    ("good bye and thanks", N, [], False),
    ("i have to go now", N, [], False),
    ("see you next time", N, [], False),
    ("nah", N, [], False),
    ("no, nothing else", N, [], False),
    ("forget about it", N, [], False),
    ("not right now", N, [], False),
    ("have a great evening", N, [], False),
    # what the bot can make
    ("what colors can you use?", N, [], False),
    ("can you draw anything besides shapes?", N, [], False),
    ("what kind of sounds do you make?", N, [], False),
    ("what do your videos look like?", N, [], False),
    ("do you only know three shapes?", N, [], False),
    ("is it possible to draw a star?", N, [], False),
    # videos and sounds of things outside the shapes world
    ("create a video of a cat walking", N, [], False),
    ("animate a person dancing", N, [], False),
    ("I want a clip of a train moving right", N, [], False),
    ("make the sound of a barking dog", N, [], False),
    ("play a guitar solo", N, [], False),
    ("can you play a song for me", N, [], False),
    ("generate the sound of thunder", N, [], False),
    ("play birds singing", N, [], False),
    # beeps with the pitch or the count in unusual places
    ("low beep three times", A, ["three", "low", "beep"], False),
    ("high beeps, two of them", A, ["two", "high", "beep"], False),
    ("deep tone twice please", A, ["two", "low", "beep"], False),
    ("a beep, low pitched", A, ["one", "low", "beep"], False),
    ("four beeps please", A, ["four", "beep"], False),
    # image verbs
    ("sketch a purple square", G, ["purple", "square"], False),
    ("i'd like to see a white triangle on the right", G, ["white", "triangle", "right"], False),
    ("doodle an orange circle", G, ["orange", "circle"], False),
    ("show me a picture with a black square at the bottom", G, ["black", "square", "bottom"], False),
    # two tasks
    ("draw a green circle, then play two low beeps", G + "+" + A, ["green", "circle", "two", "low", "beep"], False),
    ("make an image of a red triangle and a sound of a drum beat", G + "+" + A, ["red", "triangle", "drum"], False),
    # controls: ordinary requests and questions
    ("draw a yellow square on the left", G, ["yellow", "square", "left"], False),
    ("make a video of a blue circle moving down", V, ["blue", "circle", "down"], False),
    ("play a rising siren", A, ["siren"], False),
    ("thanks!", N, [], False),
    ("what can you do?", N, [], False),
    ("make the triangle blue", E, ["triangle", "blue"], True),
    ("segment the square", S, [], True),
    ("what colour is the circle?", N, [], True),
]
