"""Phase-2 grammar extensions (enabled by train.py --extra-grammar): more small talk and thanks phrasings,
and short terse task requests, so that phase 1 stays reproducible with the original lists."""
from . import chat, dialogue, grammar, media


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
