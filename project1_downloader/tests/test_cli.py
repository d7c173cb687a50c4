"""The command line: usage errors exit 2 with one line, never a traceback."""

from __future__ import annotations

import tempfile

import pytest

from project1_downloader.download import EXIT_USAGE, main


def run_main(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_missing_url_file_is_a_usage_error(tmp_path, capsys):
    missing = tmp_path / "nope.txt"
    code, out, err = run_main(capsys, "--urls-file", str(missing))
    assert code == EXIT_USAGE
    assert out == ""
    assert err == f"error: cannot read URL file '{missing}': No such file or directory\n"


def test_url_file_that_is_a_directory_is_a_usage_error(tmp_path, capsys):
    code, _, err = run_main(capsys, "--urls-file", str(tmp_path))
    assert code == EXIT_USAGE
    assert err == f"error: cannot read URL file '{tmp_path}': Is a directory\n"


def test_url_file_that_is_not_text_is_a_usage_error(tmp_path, capsys):
    urls = tmp_path / "urls.bin"
    urls.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xff")
    code, _, err = run_main(capsys, "--urls-file", str(urls))
    assert code == EXIT_USAGE
    assert err.count("\n") == 1
    assert "not UTF-8 text" in err


def test_output_dir_that_is_a_file_is_a_usage_error(tmp_path, capsys):
    urls = tmp_path / "urls.txt"
    urls.write_text("")
    blocker = tmp_path / "downloads"
    blocker.write_text("a file, not a folder")
    code, _, err = run_main(capsys, "--urls-file", str(urls), "--output-dir", str(blocker))
    assert code == EXIT_USAGE
    assert err == f"error: cannot write to '{blocker}': File exists\n"


def test_output_dir_that_cannot_be_written_is_a_usage_error(tmp_path, capsys, monkeypatch):
    urls = tmp_path / "urls.txt"
    urls.write_text("http://a.example/x.txt\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    # Permission bits don't stop root, so the refusal is simulated where it would happen.
    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    code, out, err = run_main(capsys, "--urls-file", str(urls), "--output-dir", str(tmp_path))
    assert code == EXIT_USAGE
    assert out == "", "nothing is requested before the folder is known to be writable"
    assert err == f"error: cannot write to '{tmp_path}': Permission denied\n"


def test_missing_output_dir_is_created(tmp_path, capsys):
    urls = tmp_path / "urls.txt"
    urls.write_text("# nothing yet\n")
    target = tmp_path / "nested" / "folder"
    code, out, _ = run_main(capsys, "--urls-file", str(urls), "--output-dir", str(target))
    assert code == 0
    assert target.is_dir()
    assert out == "Finished downloading 0 files.\n"


@pytest.mark.parametrize(
    "option",
    [
        ["--concurrency", "0"],
        ["--concurrency", "many"],
        ["--retries", "-1"],
        ["--timeout", "0"],
        ["--timeout", "nan"],
        ["--timeout", "inf"],
    ],
)
def test_bad_option_values_are_usage_errors(option, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--urls-file", str(tmp_path / "urls.txt"), *option])
    assert exit_info.value.code == EXIT_USAGE
    assert option[0] in capsys.readouterr().err


def test_urls_file_is_required(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == EXIT_USAGE
    assert "--urls-file" in capsys.readouterr().err
