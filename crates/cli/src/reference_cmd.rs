//! `corridor reference`: reference data and what follows from it.

use crate::args::RefCmd;
use crate::Cli;
use corridor_app::reference::Bundle;

/// Reference data: import a folder; give older cases their promised limits.
pub(crate) async fn run(cli: &Cli, cmd: &RefCmd) -> anyhow::Result<()> {
    let app = cli.app().await?;
    match cmd {
        RefCmd::Import { dir } => {
            let b = Bundle::from_dir(dir)?;
            let v = app
                .import_reference(&b, &format!("import from {}", dir.display()))
                .await?;
            println!("reference data imported; catalogue version {v}");
        }
        RefCmd::BackfillLimits => {
            let r = app.backfill_limits().await?;
            println!(
                "{} cases given their promised limit and hand-off times; {} left as they were",
                r.cases, r.skipped
            );
        }
    }
    Ok(())
}
