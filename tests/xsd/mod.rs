//! Validation of REFI-QDA files against the official schemas in `tests/xsd/schemas/` (copied into the repository, origin in its README) with
//! a real XML Schema validator (`xmllint`, from Debian's libxml2-utils; `.ci/run` installs it).

use std::path::Path;
use std::process::Command;

/// Assert that `file` validates against `schema` (`Codebook.xsd` or `Project.xsd`).
pub fn assert_valid(file: &Path, schema: &str) {
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/xsd/schemas")
        .join(schema);
    assert!(xsd.exists(), "the schema {} is missing", xsd.display());
    let o = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&xsd)
        .arg(file)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "xmllint is needed to validate REFI-QDA exports against {schema} and could not be run ({e}); install it: apt-get install -y libxml2-utils"
            )
        });
    assert!(
        o.status.success(),
        "{} does not validate against {schema}:\n{}",
        file.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}
