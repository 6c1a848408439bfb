"""The one way a document leaves the server: as an attachment of the type its content was found to be.

A browser never renders it in the page (Content-Disposition: attachment), never guesses another type
(nosniff), and would run nothing in it if it did (a sandboxing Content-Security-Policy); no cache
keeps a copy (no-store, also set for every response by lib/security_headers.py).
"""

from django.http import FileResponse

from ketacare.documents.selectors import access_document_file

DOWNLOAD_POLICY = "default-src 'none'; sandbox"


def document_download_response(user, document_id: int) -> FileResponse:
    document, handle = access_document_file(user, document_id)
    response = FileResponse(
        handle, as_attachment=True, filename=document.original_name, content_type=document.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    response["Cache-Control"] = "private, no-store"
    return response
