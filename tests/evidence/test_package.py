"""The evidence package checks out offline, with `sha256sum -c` and the shipped verify.py (or
openssl), and both fail when a file, a custody entry, the manifest or the key is tampered with."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pypdf import PdfReader

from csirtnet.evidence import chain, signing
from csirtnet.evidence.custody_pdf import custody_pdf
from csirtnet.evidence.package import OFFLINE, ExportItem, PackageInfo, write_package, write_zip
from csirtnet.vocabulary import labels

DIGITAL = "EV-2026-000042"
PHYSICAL = "EV-2026-000043"
START = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)


def _chain(data_dir: Path, item: str, steps: list[tuple[str, dict[str, object]]]) -> list[chain.Link]:
    links: list[chain.Link] = []
    prev = chain.GENESIS
    for seq, (action, details) in enumerate(steps, start=1):
        entry = chain.build_entry(
            item=item,
            seq=seq,
            at=START + timedelta(hours=seq),
            action=action,
            actor={"id": seq, "name": "Nguyễn Văn An", "organisation": "VNCERT/CC"},
            details=details,
            prev=prev,
        )
        digest = chain.entry_hash(entry)
        links.append(chain.Link(entry, digest, signing.sign(digest.encode("ascii"), data_dir)))
        prev = digest
    return links


@pytest.fixture
def evidence(tmp_path: Path) -> tuple[list[ExportItem], PackageInfo]:
    keys = tmp_path / "data"
    content = os.urandom(300_000) + "nhật ký truy cập".encode()
    stored = tmp_path / "store.bin"
    stored.write_bytes(content)
    sha256 = hashlib.sha256(content).hexdigest()

    @contextmanager
    def open_content() -> Iterator[Iterator[bytes]]:
        with stored.open("rb") as fh:
            yield iter(lambda: fh.read(64 * 1024), b"")

    collection = {
        "collected_by": "Nguyễn Văn An (VNCERT/CC)",
        "collected_at": "2026-12-01 15:30 (UTC+07:00)",
        "place": "Trung tâm dữ liệu Hà Nội",
        "system": "web-01",
        "address": "10.0.0.5",
        "tool": "FTK Imager",
        "tool_version": "4.7.1",
        "procedure": "SOP-03",
        "legal_basis": "Quyết định 12/QĐ-CSIRT",
        "legal_basis_date": "2026-11-30",
        "original_or_copy": "Bản sao / Copy",
        "volatility": "Thấp / Low",
        "iso_stage": "Thu thập / Collection",
    }
    digital = ExportItem(
        reference=DIGITAL,
        incident_reference="SC-2026-000007",
        title="Nhật ký máy chủ web",
        kind="digital",
        item_type="log",
        tlp="amber",
        collection=collection,
        current_custodian="Trần Thị Bình",
        entries=_chain(
            keys,
            DIGITAL,
            [
                ("collected", {"sha256": sha256, "size": len(content)}),
                ("transfer_acknowledged", {"from": "Nguyễn Văn An", "to": "Trần Thị Bình", "reason": "phân tích"}),
                ("checked_out", {"purpose": "verification"}),
                ("viewed", {"via": "web"}),
            ],
        ),
        filename="access log 2026.bin",
        size=len(content),
        sha256=sha256,
        sha1=hashlib.sha1(content, usedforsecurity=False).hexdigest(),
        md5=hashlib.md5(content, usedforsecurity=False).hexdigest(),
        open_content=open_content,
    )
    physical = ExportItem(
        reference=PHYSICAL,
        incident_reference="SC-2026-000007",
        title="Ổ cứng máy chủ",
        kind="physical",
        item_type="hard_drive",
        tlp="red",
        collection={**collection, "original_or_copy": "Bản gốc / Original"},
        current_custodian="Kho vật chứng",
        entries=_chain(
            keys,
            PHYSICAL,
            [
                ("collected", {"seal": "NP-0001"}),
                ("sealed", {"seal": "NP-0001"}),
                ("checked_in", {"location": "Tủ 3"}),
            ],
        ),
        make="Seagate",
        model="ST4000",
        serial_number="ZC1234",
        seal_number="NP-0001",
        location="Tủ 3, kho A",
    )
    info = PackageInfo(
        exported_at=datetime(2026, 12, 6, 9, 0, tzinfo=UTC),
        exported_by="Lê Văn Cường",
        platform_name="csirtnet",
        base_url="https://csirt.example.vn",
        public_key_pem=signing.public_pem(keys),
        sign=lambda message: signing.sign(message, keys),
    )
    return [digital, physical], info


def _sha256sum(package: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=package, capture_output=True, text=True)


def _verify(package: Path) -> subprocess.CompletedProcess[str]:
    """verify.py as a stranger runs it: isolated mode, no csirtnet on the path, a bare environment."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    return subprocess.run(
        [sys.executable, "-I", "verify.py"], cwd=package, capture_output=True, text=True, env=env, check=False
    )


def _package(tmp_path: Path, evidence: tuple[list[ExportItem], PackageInfo], name: str = "pkg") -> Path:
    items, info = evidence
    return write_package(tmp_path / name, items, info)


def _lines(package: Path) -> list[str]:
    return (package / "custody.jsonl").read_text(encoding="utf-8").splitlines()


def _write_lines(package: Path, lines: list[str]) -> None:
    (package / "custody.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def _fail_line(result: subprocess.CompletedProcess[str], reference: str) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith(f"FAIL {reference}")]
    assert lines, result.stdout
    return lines[0]


def test_package_verifies_offline(tmp_path: Path, evidence: tuple[list[ExportItem], PackageInfo]) -> None:
    package = _package(tmp_path, evidence)
    items, info = evidence

    assert sorted(p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file()) == [
        "README.txt",
        "SHA256SUMS",
        "custody.jsonl",
        "custody.pdf",
        f"files/{DIGITAL}/access log 2026.bin",
        "manifest.json",
        "manifest.sig",
        "public-key.pem",
        "verify.py",
    ]
    assert _sha256sum(package).returncode == 0
    listed = [line.split("  ", 1)[1] for line in (package / "SHA256SUMS").read_text().splitlines()]
    assert "SHA256SUMS" not in listed and len(listed) == 8

    result = _verify(package)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"OK {DIGITAL}" in result.stdout and f"OK {PHYSICAL}" in result.stdout
    assert info.fingerprint in result.stdout

    manifest = json.loads((package / "manifest.json").read_text(encoding="utf-8"))
    by_ref = {item["reference"]: item for item in manifest["items"]}
    assert by_ref[DIGITAL]["custody_head"] == {"count": 4, "last_hash": items[0].entries[-1].hash}
    assert by_ref[DIGITAL]["file"] == f"files/{DIGITAL}/access log 2026.bin"
    assert by_ref[PHYSICAL]["file"] is None and by_ref[PHYSICAL]["seal_number"] == "NP-0001"
    assert manifest["key_fingerprint"] == info.fingerprint
    readme = (package / "README.txt").read_text(encoding="utf-8")
    assert info.fingerprint in readme and "TLP:RED" in readme and "@@" not in readme
    assert (package / "verify.py").read_bytes() == (OFFLINE / "verify.py").read_bytes()


def test_verify_py_needs_only_the_standard_library_and_cryptography(
    tmp_path: Path, evidence: tuple[list[ExportItem], PackageInfo]
) -> None:
    package = _package(tmp_path, evidence)
    # Whatever the interpreter and cryptography load on their own (site hooks, cryptography's
    # bindings) is taken before verify.py runs; verify.py may add standard modules only.
    probe = (
        "import runpy, sys\n"
        "from cryptography.hazmat.primitives.asymmetric import ed25519\n"
        "from cryptography.hazmat.primitives import serialization\n"
        "from cryptography import exceptions\n"
        "before = set(sys.modules)\n"
        "sys.argv = ['verify.py']\n"
        "try:\n"
        "    runpy.run_path('verify.py', run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    code = exit.code\n"
        "added = {name.split('.')[0] for name in set(sys.modules) - before}\n"
        "print('EXTERNAL', sorted(added - set(sys.stdlib_module_names) - {'__main__'}))\n"
        "print('CSIRTNET', any(name.startswith('csirtnet') for name in sys.modules))\n"
        "print('EXIT', code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", probe], cwd=package, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}
    )
    assert "EXIT 0" in result.stdout, result.stdout + result.stderr
    assert "EXTERNAL []" in result.stdout and "CSIRTNET False" in result.stdout, result.stdout
    assert len((OFFLINE / "verify.py").read_text(encoding="utf-8").splitlines()) < 150


def test_an_altered_file_fails_both_checks(tmp_path: Path, evidence: tuple[list[ExportItem], PackageInfo]) -> None:
    package = _package(tmp_path, evidence)
    target = package / "files" / DIGITAL / "access log 2026.bin"
    data = bytearray(target.read_bytes())
    data[150_000] ^= 0x01
    target.write_bytes(bytes(data))

    assert _sha256sum(package).returncode != 0
    result = _verify(package)
    assert "altered" in _fail_line(result, DIGITAL)
    assert f"OK {PHYSICAL}" in result.stdout


def test_an_edited_entry_fails(tmp_path: Path, evidence: tuple[list[ExportItem], PackageInfo]) -> None:
    package = _package(tmp_path, evidence)
    lines = _lines(package)
    record = json.loads(lines[1])
    record["entry"]["details"]["to"] = "Người khác"
    lines[1] = json.dumps(record, ensure_ascii=False)
    _write_lines(package, lines)

    assert _sha256sum(package).returncode != 0
    line = _fail_line(_verify(package), DIGITAL)
    assert "entry 2 was edited" in line


def test_an_edited_entry_re_hashed_fails_on_its_signature(
    tmp_path: Path, evidence: tuple[list[ExportItem], PackageInfo]
) -> None:
    package = _package(tmp_path, evidence)
    lines = _lines(package)
    record = json.loads(lines[-1])  # the physical item's last entry
    record["entry"]["details"]["location"] = "Nhà riêng"
    record["hash"] = chain.entry_hash(record["entry"])
    lines[-1] = json.dumps(record, ensure_ascii=False)
    _write_lines(package, lines)

    line = _fail_line(_verify(package), PHYSICAL)
    assert "signature" in line and "head" in line


def test_a_removed_middle_entry_fails(tmp_path: Path, evidence: tuple[list[ExportItem], PackageInfo]) -> None:
    package = _package(tmp_path, evidence)
    lines = _lines(package)
    del lines[1]
    _write_lines(package, lines)

    line = _fail_line(_verify(package), DIGITAL)
    assert "removed or reordered" in line


def test_swapped_entries_fail(tmp_path: Path, evidence: tuple[list[ExportItem], PackageInfo]) -> None:
    package = _package(tmp_path, evidence)
    lines = _lines(package)
    lines[1], lines[2] = lines[2], lines[1]
    _write_lines(package, lines)

    line = _fail_line(_verify(package), DIGITAL)
    assert "reordered" in line


def test_a_removed_last_entry_fails_on_the_head(tmp_path: Path, evidence: tuple[list[ExportItem], PackageInfo]) -> None:
    package = _package(tmp_path, evidence)
    lines = _lines(package)
    del lines[3]  # the digital item's 4th and last entry
    _write_lines(package, lines)

    line = _fail_line(_verify(package), DIGITAL)
    assert "head" in line and "the log has 3 entries" in line


def test_an_edited_manifest_fails_its_signature(tmp_path: Path, evidence: tuple[list[ExportItem], PackageInfo]) -> None:
    package = _package(tmp_path, evidence)
    manifest = package / "manifest.json"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("Ổ cứng máy chủ", "Ổ cứng khác"), encoding="utf-8")

    result = _verify(package)
    assert result.returncode == 1
    assert "FAIL manifest.json: its signature (manifest.sig) does not match public-key.pem" in result.stdout


def test_another_key_fails(tmp_path: Path, evidence: tuple[list[ExportItem], PackageInfo]) -> None:
    package = _package(tmp_path, evidence)
    other = Ed25519PrivateKey.generate().public_key()
    (package / "public-key.pem").write_bytes(
        other.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )

    result = _verify(package)
    assert "FAIL manifest.json" in result.stdout
    assert "FAIL public-key.pem" in result.stdout
    assert "signature does not match" in _fail_line(result, DIGITAL)
    assert signing.fingerprint(other) in result.stdout


def test_a_missing_package_exits_2(tmp_path: Path, evidence: tuple[list[ExportItem], PackageInfo]) -> None:
    package = _package(tmp_path, evidence)
    (package / "manifest.json").unlink()

    result = _verify(package)
    assert result.returncode == 2
    assert "cannot read" in result.stdout


def test_an_item_whose_hash_differs_from_its_collection_record_fails(
    tmp_path: Path, evidence: tuple[list[ExportItem], PackageInfo]
) -> None:
    items, info = evidence
    drifted = replace(items[0], sha256=hashlib.sha256(b"something else").hexdigest())
    package = write_package(tmp_path / "drifted", [drifted, items[1]], info, with_files=False)

    line = _fail_line(_verify(package), DIGITAL)
    assert "the SHA-256 recorded at collection differs from the item's SHA-256" in line


def test_without_files(tmp_path: Path, evidence: tuple[list[ExportItem], PackageInfo]) -> None:
    items, info = evidence
    package = write_package(tmp_path / "bare", items, info, with_files=False)

    assert not (package / "files").exists()
    assert _sha256sum(package).returncode == 0
    result = _verify(package)
    assert result.returncode == 0, result.stdout
    assert f"OK {DIGITAL}" in result.stdout
    assert "--without-files" in (package / "README.txt").read_text(encoding="utf-8")


class _Unseekable(io.BytesIO):
    """A response body: written once, front to back, with no going back."""

    def seekable(self) -> bool:
        return False

    def seek(self, offset: int, whence: int = 0) -> int:
        raise OSError("not seekable")

    def tell(self) -> int:
        raise OSError("not seekable")


def test_the_zip_verifies_the_same(tmp_path: Path, evidence: tuple[list[ExportItem], PackageInfo]) -> None:
    items, info = evidence
    stream = _Unseekable()
    write_zip(stream, items, info, folder="EV-package")

    with zipfile.ZipFile(io.BytesIO(stream.getvalue())) as zf:
        assert zf.testzip() is None
        stored = zf.getinfo(f"EV-package/files/{DIGITAL}/access log 2026.bin")
        assert stored.compress_type == zipfile.ZIP_STORED
        zf.extractall(tmp_path / "unzipped")
    package = tmp_path / "unzipped" / "EV-package"
    assert _sha256sum(package).returncode == 0
    result = _verify(package)
    assert result.returncode == 0, result.stdout
    assert f"OK {DIGITAL}" in result.stdout and f"OK {PHYSICAL}" in result.stdout


def test_a_failed_export_leaves_nothing(tmp_path: Path, evidence: tuple[list[ExportItem], PackageInfo]) -> None:
    items, info = evidence

    @contextmanager
    def broken() -> Iterator[Iterator[bytes]]:
        def chunks() -> Iterator[bytes]:
            yield b"first"
            raise OSError("the evidence store went away")

        yield chunks()

    failing = replace(items[0], open_content=broken)
    with pytest.raises(OSError, match="went away"):
        write_package(tmp_path / "out" / "pkg", [failing, items[1]], info)
    assert list((tmp_path / "out").iterdir()) == []
    (tmp_path / "taken").mkdir()
    with pytest.raises(FileExistsError):
        write_package(tmp_path / "taken", items, info)


def test_the_custody_form_is_bilingual(evidence: tuple[list[ExportItem], PackageInfo]) -> None:
    items, info = evidence
    reader = PdfReader(io.BytesIO(custody_pdf(items, info)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    squeezed = "".join(text.split())

    for words in ("BIÊN BẢN CHUỖI LƯU GIỮ CHỨNG CỨ / CHAIN-OF-CUSTODY FORM", "Căn cứ pháp lý", "Legal basis"):
        assert "".join(words.split()) in squeezed
    assert items[0].sha256 is not None and items[0].sha256 in squeezed
    assert info.fingerprint in squeezed
    assert "TLP:AMBER" in text and "TLP:RED" in text
    for item in items:
        assert item.reference in text
        for link in item.entries:
            vi, en = (labels.name(labels.CUSTODY_ACTIONS, link.entry["action"], lang) for lang in ("vi", "en"))
            assert vi != en, f"no Vietnamese name for {link.entry['action']}"
            assert "".join(f"{vi} / {en}".split()) in squeezed
            assert link.hash[:12] in squeezed
    assert "NP-0001" in text and "Quyết định 12/QĐ-CSIRT" in text


def test_a_long_custody_log_runs_over_pages(tmp_path: Path, evidence: tuple[list[ExportItem], PackageInfo]) -> None:
    items, info = evidence
    steps: list[tuple[str, dict[str, object]]] = [("collected", {"sha256": items[0].sha256})]
    steps += [("viewed", {"purpose": "phân tích " * 200, "ticket": seq}) for seq in range(2, 121)]
    long_log = replace(items[0], entries=_chain(tmp_path / "data", DIGITAL, steps))

    reader = PdfReader(io.BytesIO(custody_pdf([long_log], info, language_order=("en", "vi"))))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) > 3
    assert "CHAIN-OF-CUSTODY FORM / BIÊN BẢN" in text
    assert "Viewed / " in text and long_log.entries[-1].hash[:12] in text


def test_verify_py_without_cryptography_says_what_to_install(
    tmp_path: Path, evidence: tuple[list[ExportItem], PackageInfo]
) -> None:
    package = _package(tmp_path, evidence)
    # -S: no site-packages, so no cryptography, as on a bare machine.
    result = subprocess.run(
        [sys.executable, "-I", "-S", "verify.py"], cwd=package, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "pip install cryptography" in result.stderr and "README.txt" in result.stderr


def _readme_commands(package: Path) -> list[str]:
    commands = [
        line.strip()[2:]
        for line in (package / "README.txt").read_text(encoding="utf-8").splitlines()
        if line.strip().startswith("$ ")
    ]
    return [c for c in commands if not c.startswith(("sha256sum -c SHA256SUMS", "pip ", "python3 verify.py"))]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_the_openssl_route_in_the_readme(tmp_path: Path, evidence: tuple[list[ExportItem], PackageInfo]) -> None:
    """The README's openssl commands, run as written, check the key, manifest.sig and one entry."""
    package = _package(tmp_path, evidence)
    commands = _readme_commands(package)
    assert any("pkeyutl" in c and "manifest.json" in c for c in commands)
    assert any("pkeyutl" in c and "entry.hash" in c for c in commands)

    def run(script: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", "\n".join(script)], cwd=package, capture_output=True, text=True
        )

    result = run(commands)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("Signature Verified Successfully") == 2
    assert "entry.json: OK" in result.stdout
    assert evidence[1].fingerprint in result.stdout

    second = [c.replace("N=1", "N=2") for c in commands]
    lines = _lines(package)
    record = json.loads(lines[1])
    record["signature"] = base64.b64encode(bytes(64)).decode()
    lines[1] = json.dumps(record, ensure_ascii=False)
    _write_lines(package, lines)
    assert run([c for c in second if "manifest" not in c]).returncode != 0

    manifest = package / "manifest.json"
    manifest.write_bytes(manifest.read_bytes().replace(b"ST4000", b"ST8000"))
    assert run([c for c in commands if "manifest" in c]).returncode != 0
