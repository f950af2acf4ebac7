"""Documents on a customer file, kept content-addressed in the data dir."""

import hashlib
import mimetypes
import os
import tempfile
from pathlib import Path

from sqlalchemy.orm import Session

from salesdesk.domain.errors import DomainError
from salesdesk.i18n import _
from salesdesk.paths import documents_dir
from salesdesk.store.engine import Store
from salesdesk.store.models import Customer, Document


def _blob_path(store: Store, sha256: str) -> Path:
    return documents_dir(store.data_dir) / sha256[:2] / sha256


def _store_blob(store: Store, source: Path) -> tuple[str, int]:
    """Copy ``source`` into the blob store (atomic rename, fsynced); same bytes, same file."""
    digest = hashlib.sha256()
    target_dir = documents_dir(store.data_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target_dir, prefix=".incoming-")
    size = 0
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        final = _blob_path(store, digest.hexdigest())
        final.parent.mkdir(exist_ok=True)
        os.replace(tmp_name, final)  # a blob without a row is harmless; a row without a blob is not
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return digest.hexdigest(), size


def add_document(session: Session, store: Store, customer: Customer, path: Path,
                 doc_type: str = "") -> Document:
    """Attach a file to a customer file; the caller commits."""
    path = Path(path)
    if not path.is_file():
        raise DomainError(_("{path} is not a readable file.").format(path=path))
    sha256, size = _store_blob(store, path)
    guessed = doc_type or (mimetypes.guess_type(path.name)[0] or "").split("/")[-1]
    document = Document(name=path.name, doc_type=guessed, sha256=sha256, size=size)
    customer.documents.append(document)
    session.flush()
    return document


def document_path(store: Store, document: Document) -> Path:
    """Where the bytes of ``document`` are (to open with the system viewer)."""
    path = _blob_path(store, document.sha256)
    if not path.exists():
        raise DomainError(_("The file of document {name} is missing from {folder}.").format(
            name=document.name, folder=path.parent))
    return path
