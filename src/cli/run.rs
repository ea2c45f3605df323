//! Dispatch: resolve config and database, call the service, print data on stdout and
//! messages on stderr. Exit 0 on success, 1 on a failed check or runtime error, 2 on bad
//! usage or input.

use std::path::{Path, PathBuf};

pub(super) mod common;
mod people;
mod sessions;
mod themes;

pub use common::database_path;

use clap::Parser;

use super::args::*;
use super::output::{self, esc, render_coverage, table};
use crate::config::{self, LoadedConfig};
use crate::service::{Fieldwork, ServiceError, Settings};
use common::{failure, open, open_at, print_json, usage, Failure, Out};
use people::{consent, participant};
use sessions::{document, interview, observation, transcript};
use themes::{tag, theme};

/// Entry point for the binary: returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(f) => {
            // Messages quote input (CSV cells, file names): escape control characters so
            // they cannot move the cursor or change colours; keep the line breaks.
            let message: Vec<String> = f.message.split('\n').map(esc).collect();
            eprintln!("fieldwork: error: {}", message.join("\n"));
            f.code
        }
    }
}

/// The demo database: `--db FILE` if given, else the platform data dir. `$FIELDWORK_DB` and
/// the configured database are deliberately ignored, so the demo never touches a real study.
fn demo_path(explicit: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    config::project_dirs()
        .map(|d| d.data_dir().join("demo").join("fieldwork-demo.db"))
        .ok_or_else(|| "no home folder to keep the demo in; give --db FILE".to_string())
}

/// Create a database (backing up and replacing an existing one with `force`).
fn create(
    db: &Path,
    cfg: &LoadedConfig,
    force: bool,
    demo: Option<u32>,
) -> Result<Fieldwork, Failure> {
    if db.is_dir() {
        return Err(usage(format!(
            "{}: is a folder; give the database file, e.g. {}",
            db.display(),
            db.join("fieldwork.db").display()
        )));
    }
    if db.exists() {
        if !force {
            return Err(usage(format!(
                "{}: a database already exists; use --force to replace it (it is backed up first)",
                db.display()
            )));
        }
        // Refuse to replace a file that is not ours, and back it up first.
        crate::service::inspect_db(db).map_err(|e| Failure::from(ServiceError::from(e)))?;
        let old = Fieldwork::open(db, Settings::from_config(cfg, db))?;
        let backup = crate::service::backup_path(db, "replaced");
        old.backup(&backup)?;
        drop(old);
        eprintln!(
            "fieldwork: backed up the old database to {}",
            backup.display()
        );
        crate::service::remove_db_files(db);
    }
    let settings = Settings::from_config(cfg, db);
    let mut fw = Fieldwork::create(db, &cfg.config.study, settings)?;
    fw.coding = cfg.config.coding.clone();
    fw.export = cfg.config.export.clone();
    if let Some(scale) = demo {
        // The demo's content is not put in the sync outbox (it would double the file at
        // scale 100): a team starts from a snapshot, never from a laptop's outbox.
        fw.store
            .set_capture(false)
            .map_err(|e| Failure::from(ServiceError::from(e)))?;
        let generated = crate::demo::generate(&mut fw, scale);
        fw.store
            .set_capture(true)
            .map_err(|e| Failure::from(ServiceError::from(e)))?;
        match generated {
            Ok(summary) => {
                eprintln!(
                    "fieldwork: demo study written ({})",
                    serde_json::to_string(&summary).unwrap_or_default()
                );
            }
            Err(e) => {
                drop(fw);
                crate::service::remove_db_files(db);
                return Err(e.into());
            }
        }
    }
    eprintln!(
        "fieldwork: created {} for \"{}\" (transcripts root: {})",
        db.display(),
        esc(&fw.reference.study_name),
        fw.transcripts_root().display()
    );
    Ok(fw)
}

fn run(cli: Cli) -> Out {
    // Generated from the clap definitions: no configuration or database involved.
    match &cli.command {
        Some(Command::Completions { shell }) => return super::docs::completions(*shell),
        Some(Command::Man { out }) => return super::docs::man(out.as_deref()),
        _ => {}
    }
    let cfg = config::load(cli.config.as_deref())?;
    let Some(command) = &cli.command else {
        let fw = open(&cli, &cfg)?;
        crate::tui::run(fw, &cfg)?;
        return Ok(0);
    };
    match command {
        Command::Init {
            from: Some(bundle),
            force,
            ..
        } => init_from(&cli, &cfg, bundle, *force),
        Command::Init {
            demo,
            scale,
            force,
            from: None,
        } => {
            let db = database_path(cli.db.as_deref(), &cfg).map_err(usage)?;
            create(&db, &cfg, *force, demo.then_some(*scale))?;
            Ok(0)
        }
        Command::Demo { scale, print } => {
            let db = demo_path(cli.db.as_deref()).map_err(usage)?;
            let fw = if db.exists() {
                open_at(&db, &cfg)?
            } else {
                create(&db, &cfg, false, Some(*scale))?
            };
            if *print {
                print!("{}", render_coverage(&fw.coverage()?));
            } else {
                crate::tui::run(fw, &cfg)?;
            }
            Ok(0)
        }
        Command::Participant(c) => participant(&cli, &cfg, c),
        Command::Consent(c) => consent(&cli, &cfg, c),
        Command::Interview(c) => interview(&cli, &cfg, c),
        Command::Observation(c) => observation(&cli, &cfg, c),
        Command::Document(c) => document(&cli, &cfg, c),
        Command::Transcript(c) => transcript(&cli, &cfg, c),
        Command::Theme(c) => theme(&cli, &cfg, c),
        Command::Tag(c) => tag(&cli, &cfg, c),
        Command::Import(ImportCmd::Participants { file }) => {
            let mut fw = open(&cli, &cfg)?;
            let mut bar = super::progress::ImportBar::new();
            let r = fw.import_participants_with(file, &mut |p| bar.update(p));
            bar.finish();
            let r = r?;
            // One line per participant: written through one buffer (printing them one
            // by one was a system call per line, 100,000 for a large file).
            let mut list = String::with_capacity(r.added.len() * 16);
            for (line, code, _) in &r.added {
                list.push_str(&format!("{code}\tline {line}\n"));
            }
            use std::io::Write;
            std::io::stdout()
                .lock()
                .write_all(list.as_bytes())
                .map_err(|e| failure(1, format!("writing the list of codes: {e}")))?;
            eprintln!(
                "fieldwork: imported {} participant(s) from {}",
                r.imported, r.file
            );
            Ok(0)
        }
        Command::Search {
            query,
            exact,
            site,
            phase,
            role_category,
            theme,
            limit,
            json,
        } => {
            let fw = open(&cli, &cfg)?;
            let mut f = fw.search_filter(
                site.as_deref(),
                *phase,
                role_category.as_deref(),
                theme.as_deref(),
            )?;
            f.exact = *exact;
            let hits = fw.search(query, &f, *limit)?;
            super::coding::print_hits(&hits, *json)
        }
        Command::Passage(c) => super::coding::passage(&mut open(&cli, &cfg)?, c),
        Command::Agreement(a) => super::agreement::run(&mut open(&cli, &cfg)?, a),
        Command::Quotes {
            theme,
            site,
            phase,
            role_category,
            json,
        } => {
            let fw = open(&cli, &cfg)?;
            let q = fw.quotes(
                theme,
                &crate::service::coding::QuoteFilter {
                    site: site.clone(),
                    phase: *phase,
                    role_category: role_category.clone(),
                },
            )?;
            super::coding::print_quotes(&q, *json)
        }
        Command::Matrix(c) => super::coding::matrix(&mut open(&cli, &cfg)?, c),
        Command::Analysis(c) => super::coding::analysis(&open(&cli, &cfg)?, c),
        Command::Redact(c) => super::coding::redact(&mut open(&cli, &cfg)?, c),
        Command::Import(ImportCmd::Codings {
            file,
            dry_run,
            json,
        }) => {
            let mut fw = open(&cli, &cfg)?;
            let r = crate::import::codings::import_codings(&mut fw, file, *dry_run)?;
            if *json {
                return print_json(&r);
            }
            for w in &r.warnings {
                eprintln!("fieldwork: warning: {}", esc(w));
            }
            for (c, n) in &r.coders {
                println!("{}\t{n}", esc(c));
            }
            eprintln!(
                "fieldwork: {} {} coding(s) from {} source(s), {} already present{}",
                if r.dry_run {
                    "would import"
                } else {
                    "imported"
                },
                r.imported,
                r.sources,
                r.skipped,
                if r.dry_run {
                    " (dry run: nothing written)"
                } else {
                    ""
                }
            );
            Ok(0)
        }
        Command::Import(ImportCmd::Codebook {
            file,
            framework,
            dry_run,
            json,
        }) => {
            let mut fw = open(&cli, &cfg)?;
            let r = crate::import::import_codebook(&mut fw, file, framework.as_deref(), *dry_run)?;
            if *json {
                return print_json(&r);
            }
            for w in &r.warnings {
                eprintln!("fieldwork: warning: {}", esc(w));
            }
            for (g, n) in &r.added {
                println!("added\t{g}\t{}", esc(n));
            }
            for (g, from, to) in &r.renamed {
                println!("renamed\t{g}\t{} -> {}", esc(from), esc(to));
            }
            for (g, n) in &r.skipped {
                println!("skipped\t{g}\t{}", esc(n));
            }
            eprintln!(
                "fieldwork: {}{} into framework `{}`{}: {} added, {} renamed, {} skipped",
                if *dry_run {
                    "dry run: would import "
                } else {
                    "imported "
                },
                r.file,
                esc(&r.framework),
                if r.framework_created { " (new)" } else { "" },
                r.added.len(),
                r.renamed.len(),
                r.skipped.len()
            );
            Ok(0)
        }
        Command::Export(c) => export(&cli, &cfg, c),
        Command::Completions { shell } => super::docs::completions(*shell),
        Command::Man { out } => super::docs::man(out.as_deref()),
        Command::Coverage { json, by } => {
            let fw = open(&cli, &cfg)?;
            let c = fw.coverage()?;
            // `--by fieldworker`: the same report with one more part (`by_fieldworker`).
            let per = match by.as_deref() {
                Some(_) => Some(fw.coverage_by_fieldworker()?),
                None => None,
            };
            if *json {
                return match per {
                    Some(per) => {
                        let mut v = serde_json::to_value(&c).map_err(|e| Failure {
                            message: e.to_string(),
                            code: 1,
                        })?;
                        if let (Some(o), Ok(p)) = (v.as_object_mut(), serde_json::to_value(&per)) {
                            o.insert("by_fieldworker".into(), p);
                        }
                        print_json(&v)
                    }
                    None => print_json(&c),
                };
            }
            print!("{}", render_coverage(&c));
            if let Some(per) = per {
                print!("{}", output::render_by_fieldworker(&per));
            }
            Ok(0)
        }
        Command::Check { json } => {
            let fw = open(&cli, &cfg)?;
            let r = fw.check()?;
            if *json {
                print_json(&r)?;
            } else {
                print!("{}", output::render_check(&r));
            }
            Ok(if r.ok { 0 } else { 1 })
        }
        Command::Backup {
            file,
            encrypt: true,
        } => backup_encrypted(&cli, &cfg, file),
        Command::Backup { file, .. } => {
            let fw = open(&cli, &cfg)?;
            fw.backup(file)?;
            eprintln!(
                "fieldwork: backed up {} to {}",
                fw.store.path().display(),
                file.display()
            );
            Ok(0)
        }
        Command::Restore { backup } => restore(&cli, &cfg, backup),
        Command::Sync(c) => super::sync::run(&cli, &cfg, c),
        Command::Study { json } => {
            let fw = open(&cli, &cfg)?;
            let r = &fw.reference;
            if *json {
                return print_json(&serde_json::json!({
                    "name": r.study_name,
                    "ethics_ref": r.ethics_ref,
                    "consent_form_version": r.consent_form_version,
                    "sites": r.sites,
                    "phases": r.phases,
                    "role_categories": r.role_categories,
                    "roles": r.roles,
                    "meeting_types": r.meeting_types,
                }));
            }
            print!("{}", output::render_study(r));
            Ok(0)
        }
        Command::Audit {
            entity,
            limit,
            json,
        } => {
            let fw = open(&cli, &cfg)?;
            let entries = fw.audit(entity.as_deref(), *limit)?;
            if *json {
                return print_json(&entries);
            }
            let rows: Vec<Vec<String>> = entries
                .iter()
                .map(|e| {
                    vec![
                        e.at.clone(),
                        e.by.clone(),
                        e.entity.clone(),
                        e.entity_id.chars().take(8).collect(),
                        e.action.clone(),
                        e.device_id
                            .as_deref()
                            .map(|d| d.chars().take(8).collect())
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(&["AT", "BY", "ENTITY", "ID", "ACTION", "DEVICE"], &rows)
            );
            Ok(0)
        }
    }
}

/// `backup --encrypt FILE`: the database is opened, the keys settled (a passphrase asked),
/// then the service copies and seals.
fn backup_encrypted(cli: &Cli, cfg: &LoadedConfig, file: &Path) -> Out {
    use crate::sync::bundle::{self, Seal};
    if file.exists() {
        return Err(ServiceError::from(bundle::BundleError::Exists {
            path: file.display().to_string(),
        })
        .into());
    }
    // The database first: a missing or foreign one is reported before a passphrase is
    // asked for.
    let fw = open(cli, cfg)?;
    let seal = bundle::seal_from_config(cfg).map_err(ServiceError::from)?;
    let h = fw.backup_encrypted(file, &seal)?;
    let how = match &seal {
        Seal::Recipients(k) => format!("encrypted to {} age recipient(s)", k.len()),
        Seal::Passphrase(_) => "encrypted with a passphrase".to_string(),
    };
    eprintln!(
        "fieldwork: backed up {} to {} ({how}; {} bytes, schema version {})",
        fw.store.path().display(),
        file.display(),
        h.payload_len,
        h.schema_version
    );
    Ok(0)
}

/// How to open the bundle or encrypted backup `file`: the passphrase or identity it needs.
/// A refusal here has changed nothing, and says so.
fn unseal(cfg: &LoadedConfig, file: &Path) -> Result<crate::sync::bundle::Unseal, Failure> {
    crate::sync::bundle::unseal_for(file, cfg).map_err(|e| Failure {
        code: e.exit_code(),
        message: format!("{e}; nothing was changed"),
    })
}

/// `init --from BUNDLE`: a new laptop's database from a snapshot (or an encrypted backup).
fn init_from(cli: &Cli, cfg: &LoadedConfig, bundle: &Path, force: bool) -> Out {
    let db = database_path(cli.db.as_deref(), cfg).map_err(usage)?;
    if db.is_dir() {
        return Err(usage(format!(
            "{}: is a folder; give the database file, e.g. {}",
            db.display(),
            db.join("fieldwork.db").display()
        )));
    }
    if db.exists() && !force {
        return Err(usage(format!(
            "{}: a database already exists; use --force to replace it (it is kept as a .bak first)",
            db.display()
        )));
    }
    let unseal = unseal(cfg, bundle)?;
    let settings = Settings::from_config(cfg, &db);
    let (_, r, fw) = crate::service::restore::init_from(&db, bundle, &unseal, force, settings)?;
    if let Some(k) = &r.kept {
        eprintln!(
            "fieldwork: kept the database that was there as {}",
            k.display()
        );
    }
    let by = if r.source_device_name.is_empty() {
        String::new()
    } else {
        format!(", made on {}", esc(&r.source_device_name))
    };
    eprintln!(
        "fieldwork: created {} from the {} {}{by} (schema version {}; \"{}\"); this laptop has a new device id",
        db.display(),
        r.kind,
        bundle.display(),
        r.schema_version,
        esc(&fw.reference.study_name)
    );
    Ok(0)
}

/// `restore BACKUP`: the service checks and replaces; this reports where everything went.
/// An encrypted backup is opened with the passphrase or identity it needs.
fn restore(cli: &Cli, cfg: &LoadedConfig, backup: &Path) -> Out {
    let db = database_path(cli.db.as_deref(), cfg).map_err(usage)?;
    let settings = Settings::from_config(cfg, &db);
    let (r, _) = if crate::sync::bundle::is_encrypted(backup).unwrap_or(false) {
        let unseal = unseal(cfg, backup)?;
        crate::service::restore::restore_encrypted(&db, backup, &unseal, settings)?
    } else {
        crate::service::restore::restore(&db, backup, settings)?
    };
    match &r.kept {
        Some(k) => eprintln!("fieldwork: kept the current database as {}", k.display()),
        None => eprintln!("fieldwork: there was no database at {}", db.display()),
    }
    eprintln!(
        "fieldwork: restored {} from {} (schema version {})",
        db.display(),
        backup.display(),
        r.schema_version
    );
    if let Some(b) = &r.migrated_backup {
        eprintln!(
            "fieldwork: the restored database was migrated to schema {}; the file as restored was kept as {}",
            crate::service::SCHEMA_VERSION,
            b.display()
        );
    }
    Ok(0)
}

/// `export NAME`: the registry's entry writes; its paths go to stdout, its warnings and
/// what it did to stderr.
fn export(cli: &Cli, cfg: &LoadedConfig, c: &ExportCmd) -> Out {
    let mut fw = open(cli, cfg)?;
    let r = (c.export.write)(&mut fw, &c.params)?;
    for f in &r.printed {
        println!("{}", f.display());
    }
    for w in &r.warnings {
        eprintln!("fieldwork: {}", esc(w));
    }
    for n in &r.notes {
        eprintln!("fieldwork: {n}");
    }
    Ok(0)
}
