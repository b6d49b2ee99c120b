"""The org file: one YAML/JSON format for import, export, the demo org and eval fixtures."""

from assistant.domain.orgfile.schema import OrgFile
from assistant.domain.orgfile.transfer import (
    check_references,
    dump_org,
    export_org,
    import_org,
    parse_org_text,
    read_org_file,
)

__all__ = ["OrgFile", "check_references", "dump_org", "export_org", "import_org", "parse_org_text", "read_org_file"]
