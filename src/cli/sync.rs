//! `fieldwork sync …` and `fieldwork init --from BUNDLE`: handlers and text output over
//! `service::sync` (docs/sync.md).

use super::args::{Cli, KeepArg, SyncCmd};
use super::output::{esc, table};
use super::run::common::{open, print_json, Out};
use crate::config::LoadedConfig;
use crate::service::sync::{short, Keep};
use crate::service::ServiceError;
use crate::sync::bundle;

fn keep(k: KeepArg) -> Keep {
    match k {
        KeepArg::Mine => Keep::Mine,
        KeepArg::Theirs => Keep::Theirs,
        KeepArg::Both => Keep::Both,
    }
}

pub(super) fn run(cli: &Cli, cfg: &LoadedConfig, cmd: &SyncCmd) -> Out {
    match cmd {
        SyncCmd::Export {
            out,
            since,
            snapshot,
            json,
        } => {
            let fw = open(cli, cfg)?;
            let seal = bundle::seal_from_config(cfg).map_err(ServiceError::from)?;
            let r = if *snapshot {
                fw.sync_snapshot(out, &seal)?
            } else {
                fw.sync_export(out, *since, &seal)?
            };
            if *json {
                return print_json(&r);
            }
            match (&r.file, snapshot) {
                (Some(f), true) => eprintln!(
                    "fieldwork: wrote a snapshot of this database to {} (start a laptop from it: fieldwork init --from FILE)",
                    esc(f)
                ),
                (Some(f), false) => eprintln!(
                    "fieldwork: wrote {} change(s) ({}–{}) to {}",
                    r.changes,
                    r.first_seq,
                    r.last_seq,
                    esc(f)
                ),
                (None, _) => eprintln!(
                    "fieldwork: nothing new to send (every change up to {} was exported; --since SEQ resends); no file written",
                    r.last_seq
                ),
            }
            Ok(0)
        }
        SyncCmd::Import { files, json } => {
            let fw = open(cli, cfg)?;
            let r = fw.sync_import(files, &mut |f| Ok(bundle::unseal_for(f, cfg)?))?;
            if *json {
                return print_json(&r);
            }
            for f in &r {
                let who = format!("{} ({})", esc(&f.person), short(&f.device_id));
                if f.applied.is_empty() {
                    eprintln!(
                        "fieldwork: {}: nothing new from {who} ({} change(s) already here)",
                        esc(&f.file),
                        f.skipped
                    );
                } else {
                    eprintln!(
                        "fieldwork: {}: applied {} change(s) from {who} as batch {}{}{}",
                        esc(&f.file),
                        f.applied.len(),
                        f.batch.as_deref().map(short).unwrap_or(""),
                        if f.skipped > 0 {
                            format!(", {} already here", f.skipped)
                        } else {
                            String::new()
                        },
                        if f.conflicts > 0 {
                            format!(
                                "; {} conflict(s) kept for you to choose (fieldwork sync conflicts)",
                                f.conflicts
                            )
                        } else {
                            String::new()
                        }
                    );
                }
            }
            Ok(0)
        }
        SyncCmd::Status { json } => {
            let fw = open(cli, cfg)?;
            let s = fw.sync_status()?;
            if *json {
                return print_json(&s);
            }
            println!(
                "this laptop: {} ({})",
                esc(&s.device.person),
                s.device.device_id
            );
            println!(
                "changes made here: {} ({} not yet exported)",
                s.last_seq, s.unsent
            );
            println!("open conflicts: {}", s.open_conflicts);
            let rows: Vec<Vec<String>> = s
                .peers
                .iter()
                .map(|p| {
                    vec![
                        esc(&p.person),
                        short(&p.device_id).to_string(),
                        p.last_seq.to_string(),
                        p.last_import.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            if !rows.is_empty() {
                println!();
                print!(
                    "{}",
                    table(&["PEER", "DEVICE", "SEEN UP TO", "LAST IMPORT"], &rows)
                );
            }
            let rows: Vec<Vec<String>> = s
                .batches
                .iter()
                .map(|b| {
                    vec![
                        short(&b.id).to_string(),
                        short(&b.source_device).to_string(),
                        format!("{}–{}", b.first_seq, b.last_seq),
                        b.applied_at.clone(),
                        b.reverted_at
                            .as_ref()
                            .map(|r| format!("reverted {r}"))
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            if !rows.is_empty() {
                println!();
                print!(
                    "{}",
                    table(&["BATCH", "FROM", "CHANGES", "APPLIED", ""], &rows)
                );
            }
            Ok(0)
        }
        SyncCmd::Conflicts { all, json } => {
            let fw = open(cli, cfg)?;
            let list = fw.sync_conflicts(*all)?;
            if *json {
                return print_json(&list);
            }
            if list.is_empty() {
                eprintln!("fieldwork: no open conflicts");
                return Ok(0);
            }
            for x in &list {
                println!(
                    "{}  {} {} {} {}  from {}{}",
                    short(&x.id),
                    x.kind,
                    x.op,
                    x.table,
                    esc(&x.pk.to_string()),
                    short(&x.source_device),
                    if x.status == "open" {
                        String::new()
                    } else {
                        format!(
                            "  [{}: {}]",
                            x.status,
                            esc(x.resolution.as_deref().unwrap_or(""))
                        )
                    }
                );
                let cols: Vec<String> = if x.columns.is_empty() {
                    x.incoming
                        .get("new")
                        .and_then(|n| n.as_object())
                        .map(|o| o.keys().cloned().collect())
                        .unwrap_or_default()
                } else {
                    x.columns.clone()
                };
                for c in cols {
                    let mine = x
                        .local
                        .as_ref()
                        .and_then(|l| l.get(&c))
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "(none)".into());
                    let theirs = x
                        .incoming
                        .get("new")
                        .and_then(|n| n.get(&c))
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "(deleted)".into());
                    println!("    {c}: mine {}  |  theirs {}", esc(&mine), esc(&theirs));
                }
            }
            Ok(0)
        }
        SyncCmd::Resolve { id, keep: k } => {
            let fw = open(cli, cfg)?;
            let x = fw.sync_resolve(id, keep(*k))?;
            eprintln!(
                "fieldwork: conflict {} resolved: {}",
                short(&x.id),
                esc(x.resolution.as_deref().unwrap_or(""))
            );
            Ok(0)
        }
        SyncCmd::Keygen { out } => {
            let public = crate::sync::bundle::generate_identity(out).map_err(ServiceError::from)?;
            println!("{public}");
            eprintln!(
                "fieldwork: wrote a new age identity to {} (keep it private: it opens every bundle sealed to the public key above); set `[sync] identity` to it and give the public key to whoever lists `[sync] recipients`",
                out.display()
            );
            Ok(0)
        }
        SyncCmd::Revert { batch } => {
            let fw = open(cli, cfg)?;
            let b = fw.sync_revert(batch)?;
            eprintln!(
                "fieldwork: reverted batch {} (changes {}–{} from {}); the undo is sent with your next export",
                short(&b.id),
                b.first_seq,
                b.last_seq,
                short(&b.source_device)
            );
            Ok(0)
        }
    }
}
