"""Resources: the raw-data folder, the warehouse and the ID hash key, configured from environment variables."""

from resources.exports_folder import ExportsFolder
from resources.privacy import IdHashKey
from resources.raw_folder import RawFolder
from resources.warehouse import Warehouse

__all__ = ["ExportsFolder", "IdHashKey", "RawFolder", "Warehouse"]
