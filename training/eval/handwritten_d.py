"""A fourth hand-written set (session 15), written before phase 13 was trained and never used to choose anything
in it; same format as handwritten.py. Its families: pictures, videos and sounds of things the shapes world does
not have, named with colours, sizes and positions ("a purple octopus please"), shapes it cannot draw, and praise.
None of its nouns is in the training lists (shapes/chat.py UNSUPPORTED, shapes/extra.py NOUNS); the design list
is eval/requests/session15-design.txt. Controls are ordinary requests that must keep their task."""
from handwritten import A, E, G, N, S, V

CASES = [
    # pictures of things outside the shapes world
    ("draw a zebra", N, [], False),
    ("a purple octopus please", N, [], False),
    ("can you make a picture of a yellow umbrella on the right?", N, [], False),
    ("draw a big red strawberry", N, [], False),
    ("paint a lighthouse at the top", N, [], False),
    ("i want an image of a small green cactus", N, [], False),
    ("generate a picture of a pineapple on a blue background", N, [], False),
    ("Draw a Kangaroo", N, [], False),
    ("sketch an owl on the left", N, [], False),
    ("make an image of a black teapot", N, [], False),
    ("an orange dinosaur", N, [], False),
    ("draw a windmill in the center", N, [], False),
    ("picture of a white sailboat on the sea", N, [], False),
    ("draw two hamburgers", N, [], False),
    ("doodle a mushroom", N, [], False),
    ("create an image of a tractor in a field", N, [], False),
    # shapes it cannot draw
    ("draw a blue parallelogram", N, [], False),
    ("make a yellow trapezoid", N, [], False),
    ("draw a purple crescent on the left", N, [], False),
    # videos and sounds of things outside the shapes world
    ("make a video of a zebra running", N, [], False),
    ("animate a kite flying", N, [], False),
    ("a clip of a red tractor driving left", N, [], False),
    ("create an animation of a parrot", N, [], False),
    ("video of an octopus swimming", N, [], False),
    ("play a saxophone", N, [], False),
    ("make the sound of a rooster", N, [], False),
    ("play a harp melody", N, [], False),
    ("play a frog croaking", N, [], False),
    ("play a motorcycle engine", N, [], False),
    # praise
    ("this looks amazing", N, [], False),
    ("beautiful, well done", N, [], False),
    ("great job, i love it", N, [], False),
    # controls: requests the pack must still carry out
    ("draw a green circle on the left", G, ["green", "circle", "left"], False),
    ("a purple square please", G, ["purple", "square"], False),
    ("sketch a big yellow triangle at the bottom", G, ["large", "yellow", "triangle", "bottom"], False),
    ("draw a red ball", G, ["red", "circle"], False),
    ("draw an orange box on the right", G, ["orange", "square", "right"], False),
    ("a small white triangle on a black background", G, ["small", "white", "triangle", "black"], False),
    ("make a video of a blue circle moving up", V, ["blue", "circle", "up"], False),
    ("play three low beeps", A, ["three", "low", "beep"], False),
    ("play a rising siren", A, ["siren"], False),
    ("make the circle yellow", E, ["circle", "yellow"], True),
    ("segment the blue square", S, [], True),
]
