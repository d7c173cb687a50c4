"""File names: whatever the URL says, a single safe name inside the output folder."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from project1_downloader.naming import (
    MAX_NAME_BYTES,
    NameAllocator,
    filename_from_url,
    fit_name,
)


def test_name_is_last_path_segment():
    assert filename_from_url("https://example.com/img/photo.jpg") == "photo.jpg"


def test_query_string_is_dropped_from_filename():
    assert filename_from_url("https://example.com/photo.jpg?size=large&v=2") == "photo.jpg", (
        "the query string must not reach the file name"
    )


def test_fragment_is_dropped_from_filename():
    assert filename_from_url("https://example.com/notes.txt#section-2") == "notes.txt"


def test_trailing_slash_uses_last_non_empty_segment():
    assert filename_from_url("https://example.com/docs/guide/") == "guide"


def test_url_without_path_becomes_index_html():
    assert filename_from_url("https://example.com") == "index.html"
    assert filename_from_url("https://example.com/") == "index.html"


def test_percent_escapes_are_decoded_as_utf8():
    assert filename_from_url("https://example.com/my%20photo.jpg") == "my photo.jpg"
    assert filename_from_url("https://example.com/caf%C3%A9.png") == "café.png"


def test_invalid_utf8_escapes_become_replacement_characters():
    assert filename_from_url("https://example.com/bad%FF.txt") == "bad\ufffd.txt"


def test_encoded_slashes_cannot_climb_out_of_the_folder():
    name = filename_from_url("https://example.com/..%2F..%2Fetc%2Fpasswd")
    assert name == ".._.._etc_passwd"


def test_backslashes_are_replaced():
    assert filename_from_url("https://example.com/..%5C..%5Cboot.ini") == ".._.._boot.ini"


def test_nul_and_control_characters_are_replaced():
    assert filename_from_url("https://example.com/a%00b%0Ac%1Bd%7F.txt") == "a_b_c_d_.txt"


def test_unicode_line_separators_are_replaced():
    assert filename_from_url("https://example.com/a%E2%80%A8b.txt") == "a_b.txt"


def test_invisible_format_characters_are_replaced():
    # U+202E (right-to-left override) would display "evil\u202egpj.exe" as "evilexe.jpg".
    assert filename_from_url("https://example.com/evil%E2%80%AEgpj.exe") == "evil_gpj.exe"


@pytest.mark.parametrize("segment", [".", "..", "%2E", "%2E%2E", "%2e."])
def test_dot_names_are_never_used(segment):
    assert filename_from_url(f"https://example.com/files/{segment}") == "index.html"


def test_long_name_is_shortened_to_255_bytes_keeping_its_extension():
    name = filename_from_url("https://example.com/" + "a" * 300 + ".tar.gz")
    assert len(name.encode()) == MAX_NAME_BYTES
    assert name.endswith("a.gz")


def test_long_name_is_cut_on_a_character_boundary():
    name = filename_from_url("https://example.com/" + "%C3%A9" * 200 + ".txt")
    assert len(name.encode()) <= MAX_NAME_BYTES
    assert name == "é" * len(name[:-4]) + ".txt", "a multi-byte character must not be split"


def test_fit_name_puts_the_tag_before_the_extension():
    assert fit_name("photo.jpg", " (1)") == "photo (1).jpg"
    assert fit_name("README", " (2)") == "README (2)"
    assert fit_name(".bashrc", " (1)") == ".bashrc (1)", "a leading dot is not an extension"


def test_same_name_twice_gets_numbered_copies():
    allocator = NameAllocator()
    names = [allocator.allocate("photo.jpg") for _ in range(3)]
    assert names == ["photo.jpg", "photo (1).jpg", "photo (2).jpg"]


def test_numbered_copy_skips_a_name_already_taken():
    allocator = NameAllocator()
    assert allocator.allocate("photo (1).jpg") == "photo (1).jpg"
    assert allocator.allocate("photo.jpg") == "photo.jpg"
    assert allocator.allocate("photo.jpg") == "photo (2).jpg"


def test_numbered_copy_of_a_long_name_still_fits():
    allocator = NameAllocator()
    long_name = fit_name("x" * 400 + ".jpg")
    allocator.allocate(long_name)
    copy = allocator.allocate(long_name)
    assert copy.endswith(" (1).jpg")
    assert len(copy.encode()) <= MAX_NAME_BYTES


urls = st.builds(
    lambda path, query: f"https://example.com/{path}{query}",
    st.text(max_size=600),
    st.sampled_from(["", "?q=1", "#frag", "/"]),
)


@given(urls)
def test_any_url_gives_a_non_empty_name_of_at_most_255_bytes(url):
    name = filename_from_url(url)
    assert name
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES


@given(urls)
def test_any_url_gives_a_name_without_separators_or_control_characters(url):
    name = filename_from_url(url)
    assert "/" not in name
    assert "\\" not in name
    categories = {unicodedata.category(char) for char in name}
    assert not any(category.startswith("C") for category in categories), repr(name)
    assert not categories & {"Zl", "Zp"}, repr(name)
    assert name not in {".", ".."}


@given(urls)
def test_any_url_gives_a_path_inside_the_output_folder(url):
    folder = Path("/srv/downloads")
    target = folder / filename_from_url(url)
    assert target.parent == folder
    assert target.resolve().parent == folder.resolve()


@given(st.lists(st.sampled_from(["a.jpg", "a (1).jpg", "b", "index.html"]), max_size=30))
def test_allocated_names_are_always_distinct(names):
    allocator = NameAllocator()
    allocated = [allocator.allocate(name) for name in names]
    assert len(set(allocated)) == len(allocated)
