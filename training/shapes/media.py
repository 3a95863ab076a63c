"""Video and audio request grammar with normalised captions."""
from .grammar import COLOR_SYN, END, ORDINAL, NUMBER_WORD, SHAPE_SYN, SIZE_SYN, noisy, pick, request
from .world import COLORS, SHAPES, article

MOTIONS = {
    "moving left": ["moving left", "moving to the left", "going left", "that moves left", "sliding left",
                    "travelling to the left", "drifting left"],
    "moving right": ["moving right", "moving to the right", "going right", "that moves right", "sliding right",
                     "travelling to the right", "drifting right"],
    "moving up": ["moving up", "going up", "rising", "moving upwards", "floating up", "that moves up"],
    "moving down": ["moving down", "falling", "going down", "dropping", "moving downwards", "that moves down",
                    "sinking"],
    "growing": ["growing", "getting bigger", "expanding", "that grows", "growing larger", "increasing in size"],
    "shrinking": ["shrinking", "getting smaller", "that shrinks", "shrinking down", "decreasing in size"],
}
VIDEO_VERB = ["make a video of", "create an animation of", "generate a clip of", "animate", "generate a video of",
              "make a short video showing", "can i get a gif of", "render a movie of", "video of",
              "i want a video of", "make an animation where", "produce a video with", "create a video of",
              "show me a video of", "make a clip of", "animate this:", "film", "make a movie of",
              "generate an animation of", "give me a video with"]


def video_request(rng):
    n = 1 if rng.random() < 0.7 else 2
    canon, user, words = [], [], []
    for _ in range(n):
        s, c = pick(rng, SHAPES), pick(rng, COLORS)
        if rng.random() < 0.2:
            c2 = pick(rng, [x for x in COLORS if x != c])
            m, um = f"turning {c2}", pick(rng, [f"turning {c2}", f"changing color to {c2}", f"that turns {c2}",
                                                 f"becoming {c2}", f"changing colour to {c2}"])
            words.append(c2)
        else:
            m = pick(rng, list(MOTIONS))
            um = pick(rng, MOTIONS[m])
            words.append(m.split()[-1])
        canon.append(f"{article(c)} {c} {s} {m}")
        user.append(f"{pick(rng, ['a', 'a', 'one'])} {pick(rng, COLOR_SYN[c])} {pick(rng, SHAPE_SYN[s])} {um}")
        words += [c, s]
    core = f"{pick(rng, VIDEO_VERB)} {pick(rng, [' and ', ' while ', ', '])}".strip() if False else pick(rng, VIDEO_VERB)
    label = pick(rng, [" and ", " and ", " while ", " plus "]).join(user)
    return request(rng, core + " " + label, label), " and ".join(canon), words


SOUND_KINDS = {
    "a rising siren": ["a rising siren", "a siren going up", "a siren that rises", "an ascending siren",
                       "a rising siren sound", "a siren rising in pitch"],
    "a falling whistle": ["a falling whistle", "a whistle going down", "a descending whistle",
                          "a whistle that falls", "a falling whistle sound"],
    "a steady hum": ["a steady hum", "a constant hum", "a humming sound", "a drone", "a steady humming noise",
                     "a low constant hum"],
    "rain-like noise": ["rain", "rain-like noise", "rainfall", "the sound of rain", "rain noise", "some rain",
                        "noise like rain"],
    "a drum beat": ["a drum beat", "drums", "a drumbeat", "a beat on the drums", "some drumming", "a drum loop"],
}
AUDIO_VERB = ["make a sound of", "generate audio of", "play", "create a sound effect with", "i want to hear",
              "make a noise like", "generate a sound of", "compose", "make some audio with", "give me audio of",
              "produce a sound with", "can i hear", "synthesize", "create audio of", "make me a sound:",
              "generate an audio clip of", "sound effect:", "make the sound of", "create a recording of"]


# Share of beep requests that give the count as an adverb ("high beep twice", "beep three times, low"):
# 0 in phases 1-9; extra.apply_phrasings sets it (drawn only when enabled, so earlier phases replay exactly).
TIMES = 0.0
# Share of beep requests with no pitch ("two beeps"); their caption says high, the default. Also 0 until
# extra.apply_phrasings.
NO_PITCH = 0.0
# Share of beep requests written pitch first, count last: "low beep twice" (0 until extra.apply_sound_labels).
PITCH_FIRST = 0.0
# Share of counted beep requests written "low beeps, three of them" (0 until extra.apply_scope).
OF_THEM = 0.0
PITCH_WORD = {"high": ["high", "high-pitched", "high pitch", "sharp"], "low": ["low", "low-pitched", "deep", "low pitch"]}
TIMES_WORD = {1: ["once", "one time"], 2: ["twice", "two times"], 3: ["three times", "3 times"],
              4: ["four times", "4 times"]}


def sound_piece(rng):
    if rng.random() < 0.45:
        k = int(rng.integers(1, 5))
        pitch = pick(rng, ["high", "low"])
        pw = pick(rng, PITCH_WORD[pitch])
        noun = pick(rng, ["beep", "beep", "bleep", "tone"])
        cnt = pick(rng, ORDINAL[k])
        if NO_PITCH and rng.random() < NO_PITCH:
            pitch, pw = "high", ""
        u = f"{cnt} {pw} {noun}".replace("  ", " ") + ("s" if k > 1 else "")
        if TIMES and rng.random() < TIMES:
            t = pick(rng, TIMES_WORD[k])
            u = pick(rng, [f"{pw} {noun} {t}", f"{noun} {t}, {pw}", f"{noun} {t} {pw}", f"a {pw} {noun}, {t}",
                           f"{cnt} {noun}{'s' if k > 1 else ''}, {pw}"]).replace("  ", " ").strip(" ,")
        if PITCH_FIRST and rng.random() < PITCH_FIRST:
            u = f"{pw} {noun} {pick(rng, TIMES_WORD[k])}".strip()
        if OF_THEM and k > 1 and rng.random() < OF_THEM:
            u = f"{pw} {noun}s, {pick(rng, ORDINAL[k][:2])} of them".strip()
        canon = f"{NUMBER_WORD[k]} {pitch} beep" + ("s" if k > 1 else "")
        return u, canon, [NUMBER_WORD[k], pitch, "beep"]
    canon = pick(rng, list(SOUND_KINDS))
    return pick(rng, SOUND_KINDS[canon]), canon, [canon.split()[-2] if canon.startswith("a ") else "rain"]


# Share of sound requests typed as the bare label ("high beep twice"), on top of grammar.BARE_LABEL: 0 until
# extra.apply_labels, drawn only when enabled.
LABEL = 0.0


def audio_request(rng):
    n = 1 if rng.random() < 0.75 else 2
    parts = [sound_piece(rng) for _ in range(n)]
    verb = pick(rng, AUDIO_VERB)
    label = pick(rng, [" and ", " and then ", " plus ", ", then "]).join(p[0] for p in parts)
    caption, words = " and ".join(p[1] for p in parts), sum((p[2] for p in parts), [])
    if LABEL and rng.random() < LABEL:
        return noisy(rng, label + pick(rng, END)), caption, words
    return request(rng, verb + " " + label, label), caption, words
