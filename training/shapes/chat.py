"""Chit-chat, help, negatives (task words without a request) and clarifications: text only, no task."""
from .grammar import COLOR_SYN, POS_SYN, SHAPE_SYN, SIZE_SYN, noisy, pick
from .world import POSITIONS, SIZES

HELP = (" I can draw pictures of circles, squares and triangles, edit images, segment objects in an image, "
        "describe images and answer questions about them, and make short videos and sounds. Just ask!")
CHAT = {
    "greet": (["hello", "hi", "hey", "hi there", "hello!", "good morning", "good evening", "hey there", "yo",
               "hiya", "greetings", "howdy", "heyy", "hello bot", "sup"],
              " Hello! What would you like me to make today?"),
    "howareyou": (["how are you", "how are you doing", "how's it going", "what's up", "how are things",
                   "how do you feel today", "are you ok"], " I'm doing well, thanks! How can I help?"),
    "thanks": (["thanks", "thank you", "thx", "great, thanks", "awesome thank you", "cool thanks", "nice!",
                "perfect", "that's great", "love it", "wow cool", "ty", "good job", "well done", "that looks nice"],
               " You're welcome!"),
    "bye": (["bye", "goodbye", "see you", "see you later", "good night", "cya", "that's all for now"],
            " Goodbye! Come back any time."),
    "who": (["who are you", "what are you", "are you a robot", "what is your name", "are you human",
             "who made you", "are you an ai"],
            " I'm a small assistant for the shapes world. I can draw, edit and segment images and make videos and sounds."),
    "help": (["what can you do", "help", "what are your features", "how do i use you", "what do you do",
              "what can i ask you", "show me what you can do", "what are you able to do", "commands?",
              "how does this work", "can you help me", "what tasks can you do", "list your abilities"], HELP),
    "joke": (["tell me a joke", "say something funny", "make me laugh", "know any jokes"],
             " Why did the triangle refuse to fight? It didn't want to get into a square!"),
    "offtopic": (["what's the weather like", "what time is it", "who won the game yesterday", "what is 2 plus 2",
                  "what's the capital of france", "can you cook", "do you dream", "what's the meaning of life",
                  "recommend a book", "write me a poem", "translate hello to french", "what day is it"],
                 " Sorry, I can only help with shapes: drawing, editing, segmenting, describing, videos and sounds."),
}
LIKE = ["i like {c} {s}s", "my favourite colour is {c}", "my favorite color is {c}", "{c} is a nice colour",
        "i think {s}s are cool", "{s}s are my favourite shape", "i saw a {c} {s} yesterday",
        "do you like {c}", "do you like {s}s", "what is a {s}", "what's a {s}", "my cat is {c}",
        "i drew a {c} {s} at school", "i painted my room {c}", "is {c} a warm colour",
        "how many sides does a {s} have", "{s}s remind me of pizza"]
LIKE_ANSWER = " That's nice! If you want, I can draw {a} {c} {s} for you."
CONCEPT = (["what is segmentation", "what does segment mean", "i watched a video yesterday", "i love music",
            "what is a video", "i heard a siren today", "do you like drawing", "images are fun",
            "i edited a photo once", "what is a mask", "music is great", "do you like beeps",
            "what's an animation", "tell me about sounds", "i like videos", "the rain is loud today",
            "i don't need a picture", "no image please", "don't draw anything", "i'm just chatting",
            "can you see colors", "what is the difference between a circle and a square",
            "i had a drum lesson today", "drawing is hard", "what colour do you like"],
           " Good question! I'm happy to chat. When you want an image, a video or a sound, just ask me to make one.")

CLARIFY = {
    "gen": (["draw something", "make an image", "generate a picture", "draw", "create an image", "make a picture",
             "draw me something", "can you draw", "paint something", "give me a picture", "generate an image"],
            " What should the picture show? For example: a red circle on the left."),
    "video": (["make a video", "create an animation", "generate a video", "make a clip", "animate something",
               "can you make a video"], " What should happen in the video? For example: a blue square moving right."),
    "audio": (["make a sound", "play something", "generate audio", "make some noise", "create a sound effect",
               "can you make a sound"], " What should it sound like? For example: two high beeps."),
    "unsupported": (["draw a {x}", "make a picture of a {x}", "generate an image of a {x}", "paint a {x}",
                     "can you draw a {x}", "create an image of a {c} {x}"],
                    " Sorry, I can only draw circles, squares and triangles. Which one would you like?"),
    "noimage": (["segment the {c} {s}", "edit the image", "make the {s} {c}", "remove the {s}",
                 "what colour is the {s}", "describe the image", "how many shapes are there",
                 "highlight the {c} {s}", "move the {s} to the left", "change the background to {c}"],
                " I don't see an image yet. Please attach one or ask me to draw one first."),
}
UNSUPPORTED = ["hexagon", "star", "heart", "dog", "cat", "car", "house", "tree", "person", "pentagon", "flower",
               "horse", "robot", "cloud", "sun", "moon", "face", "boat", "octagon", "rainbow"]


# Things outside the shapes world for the video and sound clarifications ("a horse running", "a dog barking"):
# empty until extra.apply_scope fills them, and drawn only for templates that name them, so phases 1-10 replay.
ACTIONS: list = []
SOUNDS: list = []


def fill(rng, t):
    from .world import COLORS, SHAPES
    c, s = pick(rng, COLORS), pick(rng, SHAPES)
    cw, sw, xw = pick(rng, COLOR_SYN[c]), pick(rng, SHAPE_SYN[s]).split()[0], pick(rng, UNSUPPORTED)
    more = {}
    if "{m}" in t:
        more["m"] = pick(rng, ACTIONS)
    if "{y}" in t:
        more["y"] = pick(rng, SOUNDS)
    # Drawn only for templates that name them (phase 13, extra.apply_nouns), so earlier phases replay.
    if "{z}" in t:
        more["z"] = pick(rng, SIZE_SYN[pick(rng, SIZES)])
    if "{p}" in t:
        more["p"] = pick(rng, POS_SYN[pick(rng, POSITIONS)])
    if "{xs}" in t:
        noun = pick(rng, [n for n in UNSUPPORTED if " of " not in n])
        more["xs"] = f"{pick(rng, ['two', 'three', '2', '3', 'four', 'some', 'many'])} {plural(noun)}"
    if "{pl}" in t:
        more["pl"] = pick(rng, PLACES)
    return t.format(c=cw, s=sw, x=xw, **more), c, s


IRREGULAR = {"man": "men", "woman": "women", "mouse": "mice", "sheep": "sheep", "fish": "fish", "person": "people",
             "child": "children", "deer": "deer", "goose": "geese", "tooth": "teeth", "knife": "knives", "leaf": "leaves"}
PLACES: list = []  # where an unsupported thing stands ("in the park"), filled by extra.apply_nouns


def plural(noun):
    """English plural of a (possibly multi-word) noun, good enough for the grammar's nouns."""
    head, _, last = noun.rpartition(" ")
    if last in IRREGULAR:
        out = IRREGULAR[last]
    elif last.endswith(("s", "x", "ch", "sh", "z")):
        out = last + "es"
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        out = last[:-1] + "ies"
    else:
        out = last + "s"
    return f"{head} {out}" if head else out


def chitchat(rng):
    r = rng.random()
    if r < 0.6:
        key = pick(rng, list(CHAT))
        qs, a = CHAT[key]
        return noisy(rng, pick(rng, qs) + pick(rng, ["", "", "?", "!", ".", " :)"])), a
    if r < 0.82:
        u, c, s = fill(rng, pick(rng, LIKE))
        from .world import article
        return noisy(rng, u + pick(rng, ["", "", "!", ".", "?"])), LIKE_ANSWER.format(a=article(c), c=c, s=s)
    return noisy(rng, pick(rng, CONCEPT[0]) + pick(rng, ["", "?", "."])), CONCEPT[1]


def clarify(rng, key):
    qs, a = CLARIFY[key]
    u = fill(rng, pick(rng, qs))[0]
    pre = pick(rng, ["", "", "please ", "can you ", "hey ", "ok "]) if key != "noimage" else ""
    return noisy(rng, pre + u + pick(rng, ["", "", "?", "!", "."])), a


# Templates twin_request cannot mirror with one shape (counts, places, a second shape, a background colour).
TWIN_SKIP = ("{xs}", "{pl}", "{s}", "background", "{m}", "{y}")


def twin_request(rng):
    """(user text, caption, attribute words, scene): an image request in the words of an "unsupported" template
    with one of the renderer's shapes in place of the thing ("a green frog please" -> "a green circle please").
    Phase 13a and 13b, trained on the clarifications alone, refused "draw a circle" and "make an image of a large
    yellow triangle on the left": no image request had ever been written in those words."""
    from .dialogue import attr_words, canon_obj
    from .world import sample_scene
    t = pick(rng, [q for q in CLARIFY["unsupported"][0] if "{x}" in q and not any(k in q for k in TWIN_SKIP)])
    o = sample_scene(rng, n=1, bg="grey")["objects"][0]
    a, vals = {"shape": o["shape"]}, {"x": pick(rng, SHAPE_SYN[o["shape"]])}
    for key, attr, syn in (("c", "color", COLOR_SYN), ("z", "size", SIZE_SYN), ("p", "position", POS_SYN)):
        if "{" + key + "}" in t:
            a[attr] = o[attr]
            vals[key] = pick(rng, syn[o[attr]])
    pre = pick(rng, ["", "", "please ", "can you ", "hey ", "ok "])
    text = noisy(rng, pre + t.format(**vals) + pick(rng, ["", "", "?", "!", "."]))
    return text, canon_obj(a), attr_words(a), {"bg": "grey", "objects": [{**o, **a}]}
