"""Pictures are decoded off the frame, downscaled to the screen, and the cache stays bounded."""

import threading

import pytest
from PIL import Image

from kiosk.ui.image_cache import ImageCache

pytestmark = pytest.mark.ui


@pytest.fixture
def pictures(tmp_path):
    paths = []
    for i in range(6):
        path = tmp_path / f"bild-{i}.png"
        Image.new("RGB", (1600, 1000), (40 * i, 120, 200)).save(path)
        paths.append(path)
    return paths


def test_decoded_in_a_worker_thread_and_downscaled(kiosk, pictures, monkeypatch):
    cache = ImageCache()
    threads, textures = [], []
    original = cache._decode
    monkeypatch.setattr(cache, "_decode", lambda key: (threads.append(threading.current_thread().name),
                                                       original(key)))
    cache.request(pictures[0], 400, 300, textures.append)
    assert textures == []  # nothing decoded on the caller's frame
    kiosk.wait(lambda: textures, what="the decoded picture")
    assert threads == ["image-decode_0"]
    width, height = textures[0].size
    bound_w, bound_h = cache.sizes[0]
    assert width <= bound_w and height <= bound_h and (width == bound_w or height == bound_h)
    assert abs(width / height - 1.6) < 0.01  # the picture keeps its proportions


def test_cache_stays_within_its_budget(kiosk, pictures):
    cache = ImageCache(max_bytes=3 * 960 * 600 * 3)
    done = []
    for path in pictures:
        cache.request(path, 900, 500, done.append)
    kiosk.wait(lambda: len(done) == len(pictures), what="all pictures")
    assert cache.size_bytes <= cache.max_bytes
    assert len(cache._textures) == 3


def test_a_second_request_is_served_from_the_cache(kiosk, pictures):
    cache = ImageCache()
    first, second = [], []
    cache.request(pictures[1], 500, 300, first.append)
    kiosk.wait(lambda: first, what="the decode")
    cache.request(pictures[1], 600, 400, second.append)
    assert second and second[0] is first[0]


def test_a_picture_is_not_drawn_until_it_is_decoded(kiosk, pictures):
    """No white box while the picture is decoded (seen at every start, on the attract screen)."""
    from kiosk.ui.widgets.picture import Picture

    picture = Picture(size=(400, 300))
    assert picture.texture is None and picture.color[3] == 0
    picture.images = ImageCache()
    picture.path = str(pictures[1])
    kiosk.wait(lambda: picture.texture is not None, what="the decoded picture")
    assert picture.color[3] == 1
    picture.path = ""  # no picture: nothing drawn again
    picture._request()
    assert picture.texture is None and picture.color[3] == 0
