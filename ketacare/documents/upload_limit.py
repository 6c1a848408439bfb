"""Refusing an oversize upload while it streams in, before Django has written all of it anywhere.

Django reads a multipart body chunk by chunk and hands each chunk to its upload handlers; the
first handler here counts the bytes of each file and, past the limit, skips the file (Django then
discards the rest of it). The view reads `too_large` to name the field in its message. Installed
per view: the handlers must be in place before anything reads request.POST, so those views are
csrf_exempt on the outside and csrf_protect on the inside (Django's documented pattern).
"""

from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class SizeLimitUploadHandler(FileUploadHandler):
    def __init__(self, limit_bytes: int, request=None):
        super().__init__(request)
        self.limit_bytes = limit_bytes
        self.received_bytes = 0
        self.too_large = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # The whole body is larger than a file may be (plus room for the form's other fields).
        if content_length and content_length > self.limit_bytes + 1024 * 1024:
            self.too_large = True

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received_bytes = 0
        if self.too_large:
            raise SkipFile()

    def receive_data_chunk(self, raw_data, start):
        self.received_bytes += len(raw_data)
        if self.received_bytes > self.limit_bytes:
            self.too_large = True
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None
