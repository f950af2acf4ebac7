"""Documents on a customer file, kept content-addressed in the data dir."""

import hashlib
import mimetypes
import os
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from salesdesk.domain.errors import DomainError, NotFound
from salesdesk.i18n import _
from salesdesk.paths import documents_dir
from salesdesk.store.engine import Store, dbapi
from salesdesk.store.models import Customer, Document, Task


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


def add_document(
    session: Session, store: Store, customer: Customer, path: Path, doc_type: str = ""
) -> Document:
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


def get_document(session: Session, document_id: uuid.UUID) -> Document:
    document = session.get(Document, document_id)
    if document is None or document.deleted_at is not None:
        raise NotFound(_("This document does not exist (any more)."))
    return document


def document_path(store: Store, document: Document) -> Path:
    """Where the bytes of ``document`` are (to open with the system viewer)."""
    path = _blob_path(store, document.sha256)
    if not path.exists():
        raise DomainError(
            _("The file of document {name} is missing from {folder}.").format(
                name=document.name, folder=path.parent
            )
        )
    return path


# -- attachments of a task ----------------------------------------------------------------


@dataclass(frozen=True)
class AttachedDocument:
    """What a list of attachments shows of a document (opened by ``id``)."""

    id: uuid.UUID
    name: str
    size: int
    added_at: datetime


def attach_to_task(
    session: Session, store: Store, task: Task, paths: Iterable[Path]
) -> list[Document]:
    """File ``paths`` among the documents of the task's customer, as attachments of the
    task; the caller commits (with the task itself: one transaction)."""
    paths = [Path(path) for path in paths]
    if not paths:
        return []
    customer = session.get(Customer, task.customer_id) if task.customer_id else None
    if customer is None:
        raise DomainError(
            _("Files can only be attached to a task for a customer: choose the customer first.")
        )
    documents = []
    for path in paths:
        try:
            document = add_document(session, store, customer, path)
        except OSError:  # there, but not ours to read
            raise DomainError(_("{path} is not a readable file.").format(path=path)) from None
        document.task_id = task.id
        documents.append(document)
    session.flush()
    return documents


def task_documents(source, task_id: uuid.UUID) -> list[AttachedDocument]:
    """The live attachments of a task, oldest first (``source``: a Session or connection)."""
    rows = dbapi(source).execute(
        "SELECT id, name, size, added_at FROM document "
        "WHERE task_id = ? AND deleted_at IS NULL ORDER BY added_at, name",
        (task_id.hex,),
    )
    return [
        AttachedDocument(uuid.UUID(hex=r[0]), r[1], r[2], datetime.fromisoformat(r[3]))
        for r in rows
    ]
