"""Phase-13 word lists (extra.apply_nouns): things people ask to see or hear that the shapes world does not have.
Session 15's probe of phase 12 with new users' requests found the class it got wrong most: an unknown noun with
a colour, size or position ("a green frog please", "draw a tiger on the left", "draw a blue whale") became a
circle, because every training request with a colour or a position named a shape. Held out of these lists on
purpose: every noun of eval/handwritten_d.py (zebra, octopus, umbrella, strawberry, lighthouse, cactus,
pineapple, kangaroo, owl, teapot, dinosaur, windmill, sailboat, hamburger, mushroom, tractor, parallelogram,
trapezoid, crescent, kite, parrot, saxophone, rooster, harp, frog croaking, motorcycle)."""

ANIMALS = ["giraffe", "penguin", "dragon", "elephant", "tiger", "lion", "bear", "rabbit", "monkey", "duck", "cow",
           "pig", "sheep", "goat", "chicken", "mouse", "fox", "wolf", "deer", "toad", "turtle", "whale", "shark",
           "dolphin", "bee", "ant", "unicorn", "camel", "panda", "koala", "squirrel", "crab", "snail", "ladybug",
           "eagle", "swan", "lizard", "hippo", "puppy", "kitten", "jellyfish", "bat", "cat and a dog"]
FOOD = ["apple", "banana", "pizza", "cake", "cookie", "sandwich", "carrot", "cherry", "grape", "lemon", "egg",
        "ice cream", "donut", "cupcake", "pear", "watermelon", "loaf of bread", "piece of cheese", "taco", "burrito",
        "cup of coffee", "bowl of soup", "birthday cake", "lollipop", "peach"]
THINGS = ["chair", "table", "lamp", "book", "cup", "mug", "bottle", "phone", "computer", "laptop", "clock", "key",
          "shoe", "hat", "shirt", "sock", "pair of glasses", "pencil", "pen", "bag", "bell", "candle", "guitar",
          "piano", "ladder", "bed", "sofa", "door", "window", "spoon", "fork", "knife", "teddy bear", "toy",
          "present", "trophy", "sword", "shield", "flag", "camera", "television", "backpack", "bucket", "vase",
          "basket", "crown jewel", "necklace", "envelope", "light bulb"]
VEHICLES = ["bus", "truck", "train", "ship", "submarine", "helicopter", "motorbike", "scooter", "spaceship", "ufo",
            "race car", "fire truck", "airplane", "hot air balloon", "canoe", "skateboard ramp"]
NATURE = ["mountain", "river", "lake", "forest", "beach", "island", "sunset", "snowman", "rose", "leaf",
          "palm tree", "volcano", "desert", "waterfall", "ocean", "wave", "storm", "lightning bolt", "planet",
          "galaxy", "landscape", "garden", "field of flowers", "snowflake pattern", "sunrise", "night sky"]
PEOPLE = ["boy", "girl", "man", "woman", "baby", "king", "queen", "princess", "pirate", "wizard", "ninja",
          "astronaut", "clown", "doctor", "ghost", "zombie", "superhero", "family", "cowboy", "mermaid", "portrait",
          "selfie", "smiley face", "emoji", "skeleton", "angel"]
PLACES_BUILT = ["castle", "church", "school", "bridge", "tower", "city", "skyscraper", "barn", "tent", "igloo",
                "farm", "street", "park", "playground", "map", "logo", "treehouse"]
# Shapes the renderer does not have (a dot, a block and a pyramid are its circle, square and triangle).
OTHER_SHAPES = ["rectangle", "oval", "ellipse", "diamond", "cross", "arrow", "spiral", "line", "cube", "sphere",
                "cylinder", "cone", "semicircle", "rhombus", "zigzag", "polygon", "ring", "pentagram"]
NOUNS = ANIMALS + FOOD + THINGS + VEHICLES + NATURE + PEOPLE + PLACES_BUILT + OTHER_SHAPES
PLACES = ["in the park", "in the sky", "in a garden", "in the city", "in the snow", "in the water", "in a forest",
          "on a beach", "on a hill", "in space", "at night", "in the rain", "on the grass", "under a tree"]
# Sounds outside the beeps, siren, whistle, hum, rain and drum beats.
SOUNDS = ["a cello", "an organ", "a banjo", "bagpipes", "a choir", "opera", "rap music", "a song", "a dog growling",
          "a duck quacking", "a sheep bleating", "a pig oinking", "a snake hissing", "an elephant trumpeting",
          "a car engine", "a helicopter", "a plane taking off", "a train passing", "a door slamming",
          "glass breaking", "a typewriter", "keyboard typing", "a cough", "a sneeze", "someone singing", "a whisper",
          "a scream", "a gunshot", "a toilet flushing", "a kettle boiling", "a microwave", "popcorn popping",
          "a river flowing", "a campfire crackling", "a cat purring", "a wolf howling"]
ACTIONS = ["walking", "dancing", "waving", "singing", "bouncing", "rolling", "driving away", "taking off",
           "flying to the left", "running to the right", "swimming up", "climbing", "melting", "exploding"]
PRAISE = ["looks great", "this is great", "beautiful", "amazing", "wow", "so cool", "awesome", "i love it", "love it",
          "nice!", "perfect", "that's great", "wow cool", "good job", "well done", "that looks nice", "nice picture",
          "great sound", "cool video", "that's beautiful", "excellent", "fantastic", "lovely", "brilliant",
          "nice work", "great work", "impressive", "sweet", "so pretty", "this is awesome", "that's really nice",
          "looks good", "it's perfect", "cute", "nice one", "that sounds nice", "wow, that's cool"]
PRAISE_ANSWER = " Glad you like it! What should I make next?"
