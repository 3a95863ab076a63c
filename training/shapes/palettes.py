"""Other renderers' colours (phase 0 augmentation): each colour name's usual RGB range, from CSS/X11 named
colours and common design palettes, so the encoders do not learn this project's exact RGB values."""
import numpy as np

from .world import RGB

ALT = {
    "red": [(255, 0, 0), (220, 20, 60), (178, 34, 34), (200, 30, 30), (237, 28, 36), (230, 60, 50)],
    "green": [(0, 128, 0), (0, 255, 0), (34, 139, 34), (50, 205, 50), (0, 160, 60), (60, 180, 75)],
    "blue": [(0, 0, 255), (0, 0, 205), (65, 105, 225), (30, 80, 200), (0, 90, 230), (20, 40, 160)],
    "yellow": [(255, 255, 0), (255, 215, 0), (250, 230, 60), (255, 225, 25), (240, 240, 80), (230, 200, 20)],
    "purple": [(128, 0, 128), (148, 0, 211), (160, 32, 240), (106, 13, 173), (145, 30, 180), (120, 40, 150)],
    "orange": [(255, 165, 0), (255, 140, 0), (245, 130, 48), (230, 120, 20), (255, 120, 0), (240, 150, 30)],
    "white": [(255, 255, 255), (248, 248, 248), (245, 245, 240), (252, 252, 252)],
    "black": [(0, 0, 0), (30, 30, 30), (45, 45, 45), (10, 10, 20), (25, 25, 25)],
    "grey": [(211, 211, 211), (200, 200, 200), (220, 220, 220), (192, 192, 192), (190, 190, 190)],
}


def sample_palette(rng):
    """A palette for one scene: half the time this project's colours, otherwise one alternative per name."""
    if rng.random() < 0.5:
        return dict(RGB)
    return {k: v[int(rng.integers(len(v)))] for k, v in ALT.items()}
