"""Reading the URL file: one URL per line, bad lines reported, never fatal."""

from __future__ import annotations

import pytest

from project1_downloader.url_list import UrlFileError, parse_url_lines, read_url_file


def test_blank_lines_and_comments_are_ignored():
    result = parse_url_lines(["", "   ", "# a comment", "  # indented comment", "http://a/x"])
    assert result.urls == ["http://a/x"]
    assert result.invalid == []


def test_comment_after_a_space_is_ignored():
    assert parse_url_lines(["https://a/x.png   # the logo"]).urls == ["https://a/x.png"]


def test_hash_without_a_space_is_part_of_the_url():
    assert parse_url_lines(["https://a/page.html#top"]).urls == ["https://a/page.html#top"]


def test_whitespace_around_urls_is_stripped():
    assert parse_url_lines(["  \thttps://a/x.png  \r"]).urls == ["https://a/x.png"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("ftp://example.com/file.zip", "not an http(s) URL"),
        ("example.com/photo.jpg", "not an http(s) URL"),
        ("mailto:someone@example.com", "not an http(s) URL"),
        ("http://", "the URL has no host"),
        ("https:///path/only", "the URL has no host"),
        ("http://exa mple.com/x", "the host name is not valid"),
        ("http://example.com:99999/x", "port 99999 is out of range"),
    ],
)
def test_non_http_line_is_reported_with_its_line_number(text, reason):
    result = parse_url_lines(["http://a/ok", "# comment", text])
    assert result.urls == ["http://a/ok"], "the other URLs must still download"
    assert [(line.line_number, line.text, line.reason) for line in result.invalid] == [
        (3, text, reason)
    ]


def test_malformed_url_is_reported_not_raised():
    result = parse_url_lines(["http://[::1/x"])
    assert result.urls == []
    assert result.invalid[0].reason.startswith("not a valid URL")


def test_spaces_in_the_path_are_accepted():
    assert parse_url_lines(["https://example.com/my photo.jpg"]).urls == [
        "https://example.com/my photo.jpg"
    ]


def test_same_url_listed_twice_is_kept_once():
    result = parse_url_lines(["http://a/x", "http://b/y", "  http://a/x  "])
    assert result.urls == ["http://a/x", "http://b/y"]


def test_urls_that_request_the_same_thing_are_kept_once():
    result = parse_url_lines(
        [
            "http://a/x",
            "http://A/x#part",
            "http://a:80/x",
            "http://b",
            "http://b/",
            "http://c/a b",
            "http://c/a%20b",
        ]
    )
    assert result.urls == ["http://a/x", "http://b", "http://c/a b"]


def test_only_a_newline_ends_a_line(tmp_path):
    path = tmp_path / "urls.txt"
    path.write_text(
        "http://a/one\r\nhttp://a/form\x0cfeed\r\nhttp://a/line\u2028sep\nhttp://a/two\n"
    )
    result = read_url_file(path)
    assert result.urls == ["http://a/one", "http://a/line\u2028sep", "http://a/two"], (
        "U+2028 inside a line must not split it"
    )
    assert [line.line_number for line in result.invalid] == [2], (
        "a form feed makes its line invalid, and shifts no line number"
    )


def test_byte_order_mark_is_not_part_of_the_first_url(tmp_path):
    path = tmp_path / "urls.txt"
    path.write_bytes("\ufeffhttp://a/x\n".encode())
    assert read_url_file(path).urls == ["http://a/x"]


def test_missing_file_is_a_url_file_error(tmp_path):
    with pytest.raises(UrlFileError, match="No such file or directory"):
        read_url_file(tmp_path / "nope.txt")


def test_file_that_is_not_utf8_is_a_url_file_error(tmp_path):
    path = tmp_path / "urls.txt"
    path.write_bytes(b"http://a/\xff\xfe\n")
    with pytest.raises(UrlFileError, match="not UTF-8 text"):
        read_url_file(path)
