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


SHAPES_ANSWER = (" I draw circles, squares and triangles, small or large, in red, green, blue, yellow, purple, orange, "
                 "white or black, on a plain background of any of those colours.")
SOUNDS_ANSWER = (" I can make high or low beeps (one to four), a rising siren, a falling whistle, a steady hum, rain "
                 "and a drum beat, alone or two in a row. No music or voices, sorry.")
VIDEOS_ANSWER = (" My videos are short clips of one or two circles, squares or triangles moving left, right, up or "
                 "down, growing, shrinking or changing colour.")
VIDEO_SCOPE = (" Sorry, my videos can only show circles, squares and triangles moving, growing, shrinking or changing "
               "colour. What should I animate?")
AUDIO_SCOPE = (" Sorry, I can only make beeps, a rising siren, a falling whistle, a steady hum, rain and drum beats. "
               "Which would you like?")


def apply_scope():
    """Session-14 additions (train.py --scope), from replies phase 10 gave to people leaving, declining or asking
    what the bot can make, and to videos and sounds of things outside the shapes world: "see you tomorrow" got
    an edit, "never mind" a beep, "bye for now" an image, "make a video of a horse running" a circle's video,
    "play a dog barking" a hum, and "high beep twice" got "You're welcome!"."""
    chat.CHAT["bye"][0].extend(["bye for now", "ok bye", "i'm done for today", "that's it, bye", "later", "catch you later",
                                "goodnight", "have a good one", "see you tomorrow", "have a nice day", "take care",
                                "i'm off", "thanks, bye", "bye, thank you", "i'm leaving now", "time to go",
                                "until next time", "peace out", "see you soon", "farewell", "that's all for today",
                                "gotta run", "i'm heading out", "ok, i'm done", "good night, thanks"])
    chat.CHAT["decline"] = (["no thanks", "no thank you", "nope", "nope, that's all", "never mind", "nvm", "maybe later",
                             "not now", "nothing", "nothing for now", "forget it", "no", "cancel that", "that's all",
                             "i'm good", "all good", "i don't need anything", "no need", "not today", "skip it",
                             "no, i'm fine", "nothing else"],
                            " Okay! Just ask whenever you want an image, a video or a sound.")
    chat.LIKE.remove("why do you only draw {s}s")  # a question about the bot's scope now, answered below
    chat.CHAT["shapes"] = (["what shapes can you draw", "which shapes do you know", "what colours can you use",
                            "which colours do you know", "what colors do you have", "what can you draw",
                            "why do you only draw circles, squares and triangles", "can you draw other shapes",
                            "how many shapes do you know", "do you know other shapes", "what sizes can you draw",
                            "what backgrounds can you do", "which colors are available", "why only three shapes",
                            "why only circles, squares and triangles", "what are your colours"], SHAPES_ANSWER)
    chat.CHAT["sounds"] = (["what sounds can you make", "which sounds do you know", "what kind of audio can you make",
                            "what noises can you make", "what can you play", "what audio can you do", "list your sounds",
                            "can you make music", "can you sing", "do you do music", "can you talk",
                            "which sound effects do you have"], SOUNDS_ANSWER)
    chat.CHAT["videos"] = (["what can your videos show", "how long are your videos", "what kind of videos can you make",
                            "what can you animate", "what motions can you do", "how do your videos work",
                            "what videos can you make", "can you make long videos", "what moves can you animate",
                            "which animations do you know"], VIDEOS_ANSWER)
    chat.UNSUPPORTED.extend(["bird", "fish", "plane", "rocket", "butterfly", "bicycle", "spider", "snake"])
    chat.ACTIONS.extend(["running", "jumping", "flying", "driving", "swimming", "eating", "sleeping", "spinning",
                         "moving left", "moving up", "going right", "falling", "growing", "crashing"])
    chat.SOUNDS.extend(["a dog barking", "a cat meowing", "a piano melody", "a piano", "some music", "jazz",
                        "rock music", "a violin", "a trumpet", "applause", "a car horn", "a doorbell",
                        "a phone ringing", "someone talking", "a baby crying", "ocean waves", "wind blowing",
                        "an explosion", "footsteps", "a cow mooing", "laughter", "a lion roaring", "a flute",
                        "church bells", "a clock ticking", "a melody", "a lullaby", "fireworks", "a crowd cheering",
                        "a horse galloping"])
    chat.CLARIFY["unsupported_video"] = (
        ["make a video of a {x} {m}", "animate a {x} {m}", "create an animation of a {x} {m}", "video of a {x} {m}",
         "generate a clip of a {x} {m}", "i want a video of a {x} {m}", "make a clip of a {c} {x} {m}",
         "show me a video of a {x} {m}", "make a movie of a {x} {m}", "a {x} {m}, as a video", "film a {x} {m}",
         "make a gif of a {x} {m}", "animate a {c} {x}"], VIDEO_SCOPE)
    chat.CLARIFY["unsupported_audio"] = (
        ["play {y}", "make the sound of {y}", "make a sound of {y}", "generate audio of {y}", "i want to hear {y}",
         "can you play {y}", "create a sound effect of {y}", "give me audio of {y}", "sound of {y}", "play me {y}",
         "{y} sound", "sing something", "sing for me", "play some music", "play music", "say hello",
         "read this out loud"], AUDIO_SCOPE)
    corpus.CLARIFY_KEYS.extend(["unsupported_video", "unsupported_audio"])
    # "high beep twice", "beep x3", "low beeps, three of them", "a beep, low pitched"
    media.TIMES, media.OF_THEM = 0.3, 0.1
    for k, words in media.TIMES_WORD.items():
        words.append(f"x{k}")
    media.PITCH_WORD["high"].append("high pitched")
    media.PITCH_WORD["low"].append("low pitched")
    # Image verbs that phase 10 still read as a question about an attached image ("sketch a green triangle").
    dialogue.GEN_VERB.extend(["sketch", "sketch", "doodle", "show me"])
    dialogue.GEN_WANT.extend(["i want to see", "i'd like to see"])


def apply_labels():
    """Phase 11b and 12 additions (train.py --labels, with --scope): requests typed bare. Phase 11 still answered "high
    beep twice" with "You're welcome!" and "low beep three times" with a greeting (a bare sound label with the
    pitch first was about 0.7 % of sound requests), "sketch a green triangle" with the no-image clarification (a
    bare imperative: 15 % of requests had no "please"/"can you" around them), and "i want to see an orange
    circle" likewise: "i want to see" was always followed by "a picture of"."""
    dialogue.GEN_WANT_NOUN.extend(["", "", ""])
    grammar.BARE = 0.3
    media.TIMES, media.LABEL = 0.4, 0.15
    chat.CHAT["bye"][0].extend(["i must go", "i should go", "enjoy your day", "have a good weekend", "bye, see you",
                                "ok see you", "later then", "that's enough, bye"])


def apply_sound_labels():
    """Phase 12 additions (train.py --sound-labels, with --labels): 11b read "low beep twice" as two *high* beeps.
    A bare sound label with the pitch first and the count last was 0.7 % of sound requests even with --labels
    (about 40 in 1,500 steps); now a quarter of beep requests are written that way and 30 % of sound requests
    are the bare label."""
    media.PITCH_FIRST, media.LABEL = 0.25, 0.3


def apply_nouns():
    """Phase 13 additions (train.py --nouns, with --scope): pictures, videos and sounds of things outside the
    shapes world named the way people name them, with colours, sizes, positions, counts and places ("a green frog
    please", "draw a tiger on the left", "draw two hamburgers"), shapes the renderer does not have, and praise
    with its own reply. Phase 12 drew "a purple octopus please" as a circle's video and "draw a big red strawberry"
    as a large red circle: the 28 unsupported nouns only ever came bare, after a verb (shapes/nouns.py)."""
    from . import nouns
    # Phase 13a (these two at 0 and 0.02) answered "draw a circle" and "draw a grean triangle" with the
    # clarification: bare shape requests were rarer than "draw a {thing}", and a typo'd colour reads like an unknown
    # noun's pieces.
    dialogue.NO_COLOR = 0.12
    grammar.KEYWORD_TYPO = 0.04
    # 13a and 13b (without this) refused those requests still, and "make an image of a large yellow triangle on
    # the left plz": a third of image requests now use the clarifications' own templates with a shape.
    corpus.GEN_TWIN = 0.3
    chat.UNSUPPORTED.extend(nouns.NOUNS)
    chat.PLACES.extend(nouns.PLACES)
    chat.SOUNDS.extend(nouns.SOUNDS)
    chat.ACTIONS.extend(nouns.ACTIONS)
    chat.CLARIFY["unsupported"][0].extend([
        "draw a {c} {x}", "a {c} {x}", "a {c} {x} please", "{c} {x}", "draw a {z} {x}", "draw a {z} {c} {x} {p}",
        "paint a {x} {p}", "a {x} {p}", "make an image of a {c} {x}", "generate a picture of a {x} on a {c} background",
        "i want an image of a {z} {c} {x}", "i want to see a {x}", "sketch a {x}", "doodle a {c} {x}", "show me a {x}",
        "draw {xs}", "{xs} please", "picture of a {x}", "can you draw me a {c} {x} {p}", "a {x} {pl}",
        "draw a {x} {pl}", "make a picture of a {z} {x} {pl}", "image of a {c} {x} {p}", "create a {x}",
        "i need a picture of a {x}", "a drawing of a {x}", "give me an image of {xs}", "draw a {x} and a {s}",
        "draw my {x}", "a {z} {x}"])
    chat.CLARIFY["unsupported_video"][0].extend([
        "make a video of a {c} {x} {m}", "a clip of a {x} {m}", "animate a {z} {x}", "a {c} {x} {m}",
        "video: a {x} {m}", "make an animation of {xs} {m}", "animate a {x} {m} {pl}", "a video of a {x}"])
    chat.CLARIFY["unsupported_audio"][0].extend(["{y}", "play the sound of {y}", "sound effect: {y}", "make {y}",
                                                 "let me hear {y}", "i'd like to hear {y}", "the sound of {y} please"])
    corpus.CLARIFY_KEYS.extend(["unsupported", "unsupported", "unsupported_video", "unsupported_audio"])
    # Praise without a thank-you gets "Glad you like it!" instead of "You're welcome!".
    old = chat.CHAT["thanks"][0]
    kept = [q for q in old if q not in nouns.PRAISE and (
        "ty" in q.split() or any(w in q for w in ("thank", "thx", "cheers", "appreciated")))]
    chat.CHAT["thanks"] = (kept, chat.CHAT["thanks"][1])
    chat.CHAT["praise"] = (nouns.PRAISE + [q for q in old if q not in kept and q not in nouns.PRAISE], nouns.PRAISE_ANSWER)
