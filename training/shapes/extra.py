"""Phase-2 grammar extensions (enabled by train.py --extra-grammar): more small talk and thanks phrasings,
and short terse task requests, so that phase 1 stays reproducible with the original lists."""
from . import chat, corpus, dialogue, grammar, media


def apply():
    chat.CHAT["thanks"][0].extend(["thanks a lot", "many thanks", "thank you very much", "thanks so much!",
                                   "great job, thank you", "that's perfect, thanks", "awesome", "sweet",
                                   "cheers", "much appreciated", "thanks buddy", "wonderful, thanks"])
    chat.CHAT["greet"][0].extend(["hello there", "hey! how's your day", "good afternoon", "hi bot", "morning"])
    chat.CHAT["howareyou"][0].extend(["how are you today", "how have you been", "you doing ok?"])
    chat.CHAT["bye"][0].extend(["bye bye", "talk to you later", "gotta go", "see ya"])
    chat.LIKE.extend(["i love {c}", "{c} {s}s are pretty", "i prefer {s}s", "my shirt is {c}",
                      "the sky is {c} today", "i have a {c} car", "{c} is my least favourite colour"])
    dialogue.GEN_VERB.extend(["draw up", "doodle", "build"])
    media.VIDEO_VERB.extend(["animate a clip of", "i'd like a video of", "show an animation of"])
    media.AUDIO_VERB.extend(["let me hear", "make", "create", "generate", "i want"])


def apply_terse():
    """Phase-8 additions (train.py --terse-requests): requests as people type them in a chat box, with no verb
    ("two high beeps", "a red circle on the left") or a bare label ("sound: a steady hum"). The phase-7 LM
    answered "two high beeps" with "You're welcome!" and "make two high beeps" with a clarifying question."""
    dialogue.GEN_VERB.extend(["", "", "", "picture:", "image:", "draw:"])
    media.VIDEO_VERB.extend(["", "", "video:", "clip:", "animation:"])
    media.AUDIO_VERB.extend(["", "", "", "play me", "sound:", "audio:", "make some audio:", "can you play",
                             "i'd like to hear", "make", "make me"])


def apply_registers():
    """Session-10 additions (train.py --registers): commands typed in capitals or title case and bare labels
    with no greeting or "please". The phase-9 LM answered all 24 "DRAW A <COLOUR> <SHAPE>" commands (and their
    title-case forms) as small talk and all 8 "<n> high/low beep(s)" labels with "You're welcome!": the grammar
    upper-cased 4 % of requests and almost never sent a bare label (about 0.2 % of sound requests). Now 12 % of
    image, video and sound requests are the bare description ("a red circle on the left", "two high beeps")."""
    grammar.CASE_UPPER, grammar.CASE_TITLE, grammar.BARE, grammar.BARE_LABEL = 0.1, 0.08, 0.15, 0.12


def apply_phrasings():
    """Session-13 additions (train.py --phrasings), from requests the shipped phase-9e LM got wrong when written
    outside the grammar: "create an image containing a black triangle" (a video), "i want to see an orange
    circle" and "sketch a green triangle" (a yes/no answer about an image nobody attached), "draw a circle, then
    play …" (one two-part sound: ", then" only ever joined sound parts), "beep twice, high pitched" (two counts),
    "three blue circles" (one circle), "play a beep" (no pitch: the beep is high); image questions asked with no image attached get the no-image clarification."""
    dialogue.GEN_NOUN.extend(["an image containing", "a picture containing", "an image showing",
                              "a drawing showing", "a picture that shows", "a scene containing", "an image featuring"])
    dialogue.GEN_WANT.extend(["i want to see", "i'd like to see", "let me see", "can i see", "i'd love",
                              "i would love", "i wanna see"])
    dialogue.GEN_VERB.extend(["sketch me", "depict", "visualize", "put together", "come up with", "sketch"])
    corpus.MULTI_JOIN.extend([" and then ", ", and then ", ". then ", ", after that ", " and after that ",
                              "; also ", ". also ", ", and "])
    dialogue.PLURAL = 0.12
    media.TIMES, media.NO_PITCH = 0.2, 0.12
    # Feedback on what the bot just made: 9e and phase 10's first run made a drum beat or an image for "looks
    # great", "thanks, that looks great", "wow, that looks amazing" (the thanks list had no "looks …" at all).
    chat.CHAT["thanks"][0].extend(["looks great", "that looks great", "looks good", "that looks amazing",
                                   "wow, looks awesome", "thanks, that looks great", "looks great, thanks",
                                   "thank you, that is great", "that's exactly what i wanted", "nice one",
                                   "beautiful", "that's awesome", "great work", "very nice", "it looks perfect",
                                   "love it, thank you", "thanks, looks nice", "that's cool", "amazing"])
    # Small talk that names shapes in the plural, which the counted requests above ("three blue circles") made
    # look like image requests: "are squares better than circles?" got an image of a square.
    chat.LIKE.extend(["i like {s}s more than circles", "are {s}s better than squares", "my kid draws {s}s all day",
                      "why do you only draw {s}s", "{c} {s}s are the best", "i drew two {s}s yesterday",
                      "there are three {s}s on my shirt", "{s}s and triangles are both shapes",
                      "i like {s}s more than squares", "are {s}s better than triangles", "two {s}s walk into a bar",
                      "{s}s are boring", "what are {s}s", "i hate {s}s"])
    # Questions about an image when none was attached get the no-image clarification (only edits, [SEG] and a few
    # questions had it): 9e answered "i want to see an orange circle" as if asked "is there an orange circle?".
    chat.CLARIFY["noimage"][0].extend(["is there a {c} {s}", "do you see a {c} {s}", "where is the {s}",
                                       "what shape is the {c} one", "how many {s}s are there", "what's in this picture",
                                       "what do you see", "describe it", "what is in the image", "is the {s} {c}",
                                       "what colour is the background", "explain what's in the picture"])
