"""The detection API: a FastAPI service over ``greenmark.watermark`` for moderation pipelines.

Endpoints: ``POST /v1/detect`` (batches of texts against the caller's tenant's keys),
``POST /v1/generate`` (when a model is loaded), ``GET /v1/keys``, ``GET /healthz``,
``GET /readyz``, ``GET /metrics``; OpenAPI at ``/docs`` and ``/openapi.json``. Settings are
``GREENMARK_API_*`` environment variables (``greenmark.detector_api.config``).

>>> from greenmark.detector_api import create_app
>>> create_app().title
'greenmark detection API'
"""

from greenmark.detector_api.config import ApiSettings
from greenmark.detector_api.main import create_app

__all__ = ["ApiSettings", "create_app"]
