//! Dispatch: resolve config and database, call the service, print data on stdout and
//! messages on stderr. Exit 0 on success, 1 on a failed check or runtime error, 2 on bad
//! usage or input.

use std::path::{Path, PathBuf};

use clap::Parser;
use serde::Serialize;

use super::output::{self, esc, table};
use super::*;
use crate::config::{self, LoadedConfig};
use crate::domain::{
    format_date, parse_date, today, ParticipantFilter, ParticipantInput, SessionFilter, SessionKind,
};
use crate::service::consent::ConsentInput;
use crate::service::sessions::{DocumentInput, InterviewInput, ObservationInput};
use crate::service::{Fieldwork, ServiceError, Settings};

/// An error with the exit code it maps to.
pub(super) struct Failure {
    message: String,
    code: i32,
}

impl From<ServiceError> for Failure {
    fn from(e: ServiceError) -> Self {
        Failure {
            code: e.exit_code(),
            message: e.to_string(),
        }
    }
}

impl From<config::ConfigError> for Failure {
    fn from(e: config::ConfigError) -> Self {
        Failure {
            code: 2,
            message: e.to_string(),
        }
    }
}

impl Failure {
    /// Bad input or usage: exit 2.
    pub(super) fn usage(message: impl Into<String>) -> Failure {
        usage(message)
    }
    /// A runtime failure: exit 1.
    pub(super) fn runtime(message: impl Into<String>) -> Failure {
        failure(1, message)
    }
}

/// A failure with its exit code (for the other dispatch modules).
pub(super) fn failure(code: i32, message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        code,
    }
}

pub(super) fn usage(message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        code: 2,
    }
}

pub(super) type Out = Result<i32, Failure>;

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

/// The database path: `--db`, `$FIELDWORK_DB`, the config's `database`, the data dir.
pub fn database_path(explicit: Option<&Path>, cfg: &LoadedConfig) -> Result<PathBuf, String> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("FIELDWORK_DB").filter(|s| !s.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    if let Some(p) = cfg.database() {
        return Ok(p);
    }
    config::project_dirs()
        .map(|d| d.data_dir().join("fieldwork.db"))
        .ok_or_else(|| "no home folder to keep the database in; give --db FILE".to_string())
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

fn date_arg(field: &str, s: &Option<String>) -> Result<Option<time::Date>, Failure> {
    match s {
        Some(s) => parse_date(s)
            .map(Some)
            .map_err(|e| usage(format!("--{field}: {e}"))),
        None => Ok(None),
    }
}

pub(super) fn print_json<T: Serialize>(v: &T) -> Out {
    let s = serde_json::to_string_pretty(v).map_err(|e| Failure {
        message: e.to_string(),
        code: 1,
    })?;
    println!("{}", output::json_for_terminal(s));
    Ok(0)
}

pub(super) fn open(cli: &Cli, cfg: &LoadedConfig) -> Result<Fieldwork, Failure> {
    let db = database_path(cli.db.as_deref(), cfg).map_err(usage)?;
    let mut fw = open_at(&db, cfg)?;
    if cli.coder.is_some() {
        fw.coding.coder = Some(cfg.coder(cli.coder.as_deref()).map_err(usage)?);
    }
    if let Some(b) = &fw.store.migrated_backup {
        eprintln!(
            "fieldwork: the database was migrated to schema {}; the old file was kept as {}",
            crate::store::SCHEMA_VERSION,
            b.display()
        );
    }
    Ok(fw)
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
        crate::store::inspect(db).map_err(|e| Failure::from(ServiceError::from(e)))?;
        let old = Fieldwork::open(db, Settings::from_config(cfg, db))?;
        let backup = crate::store::backup_path(db, "replaced");
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
            crate::store::SCHEMA_VERSION,
            b.display()
        );
    }
    Ok(0)
}

/// Open `db` with the configuration's settings and coding rules.
fn open_at(db: &Path, cfg: &LoadedConfig) -> Result<Fieldwork, Failure> {
    let mut fw = Fieldwork::open(db, Settings::from_config(cfg, db))?;
    fw.coding = cfg.config.coding.clone();
    fw.coding.coder = Some(cfg.coder(None).map_err(usage)?);
    fw.export = cfg.config.export.clone();
    Ok(fw)
}

fn input_from(f: &ParticipantFields) -> ParticipantInput {
    ParticipantInput {
        name: f.name.clone(),
        email: f.email.clone(),
        phone: f.phone.clone(),
        organisation: f.organisation.clone(),
        job_title: f.job_title.clone(),
        role: f.role.clone(),
        site: f.site.clone(),
        notes: f.notes.clone(),
        status: None,
        allow_duplicate_unique_role: f.allow_duplicate_unique_role,
    }
}

fn participant(cli: &Cli, cfg: &LoadedConfig, c: &ParticipantCmd) -> Out {
    let mut fw = open(cli, cfg)?;
    match c {
        ParticipantCmd::Add {
            fields,
            status,
            json,
        } => {
            let mut input = input_from(fields);
            input.status = *status;
            let p = fw.add_participant(&input)?;
            if *json {
                return print_json(&p);
            }
            println!("{}", p.code);
            eprintln!("fieldwork: added participant {} ({})", p.code, p.id);
            Ok(0)
        }
        ParticipantCmd::List {
            site,
            role_category,
            status,
            phase,
            search,
            page,
            json,
        } => {
            if let Some(s) = site {
                fw.reference.site(s)?;
            }
            if let Some(rc) = role_category {
                fw.reference.role_category(rc)?;
            }
            if let Some(p) = phase {
                fw.reference.phase(*p)?;
            }
            let filter = ParticipantFilter {
                site: site
                    .as_ref()
                    .map(|s| fw.reference.site(s).map(|x| x.code.clone()))
                    .transpose()?,
                role_category: role_category
                    .as_ref()
                    .map(|s| fw.reference.role_category(s).map(|x| x.code.clone()))
                    .transpose()?,
                status: *status,
                phase: *phase,
                search: search.clone(),
            };
            let list = fw.participants(&filter, page.offset, page.limit)?;
            if *json {
                return print_json(&list);
            }
            print!("{}", output::render_participants(&list));
            Ok(0)
        }
        ParticipantCmd::Show { participant, json } => {
            let d = fw.participant_detail(participant)?;
            if *json {
                return print_json(&d);
            }
            print!("{}", output::render_participant(&d));
            Ok(0)
        }
        ParticipantCmd::Edit {
            participant,
            fields,
            json,
        } => {
            let p = fw.edit_participant(participant, &input_from(fields))?;
            if *json {
                return print_json(&p);
            }
            eprintln!("fieldwork: updated participant {}", p.code);
            Ok(0)
        }
        ParticipantCmd::Status {
            participant,
            status,
            date,
            note,
        } => {
            let p = fw.set_status(
                participant,
                *status,
                date_arg("date", date)?,
                note.as_deref(),
            )?;
            eprintln!("fieldwork: participant {} is now {}", p.code, p.status);
            Ok(0)
        }
        ParticipantCmd::Delete(args) => super::delete::participant(&mut fw, args),
    }
}

fn consent(cli: &Cli, cfg: &LoadedConfig, c: &ConsentCmd) -> Out {
    let mut fw = open(cli, cfg)?;
    match c {
        ConsentCmd::Record {
            participant,
            date,
            form_version,
            form_file,
            mode,
            taken_by,
            take_part,
            audio,
            quotes,
            archiving,
            follow_up,
            file_ref,
            json,
        } => {
            let input = ConsentInput {
                date: date_arg("date", date)?,
                form_version: form_version.clone(),
                form_file: form_file.clone(),
                mode: *mode,
                taken_by: taken_by.clone(),
                take_part: *take_part,
                audio: *audio,
                quotes: *quotes,
                archiving: *archiving,
                follow_up: *follow_up,
                file_ref: file_ref.clone(),
            };
            let r = fw.record_consent(participant, &input)?;
            if *json {
                return print_json(&r);
            }
            eprintln!(
                "fieldwork: consent recorded ({}) dated {}",
                &r.id[..8],
                format_date(r.date)
            );
            Ok(0)
        }
        ConsentCmd::Withdraw {
            participant,
            scope,
            date,
            reason,
        } => {
            let w = fw.withdraw(
                participant,
                *scope,
                date_arg("date", date)?,
                reason.as_deref(),
            )?;
            eprintln!(
                "fieldwork: withdrawal recorded ({}), scope {}, dated {}",
                &w.id[..8],
                w.scope,
                format_date(w.date)
            );
            Ok(0)
        }
        ConsentCmd::Show {
            participant,
            date,
            json,
        } => {
            let pid = fw.resolve_participant(participant)?;
            let on = date_arg("date", date)?.unwrap_or_else(today);
            let f = fw.consent_in_force(&pid, on)?;
            let (records, withdrawals) = fw.consent_records(&pid)?;
            if *json {
                let items: serde_json::Map<String, serde_json::Value> =
                    crate::domain::ConsentItem::ALL
                        .iter()
                        .map(|i| {
                            (
                                i.as_str().to_string(),
                                serde_json::json!(f.item(*i).as_str()),
                            )
                        })
                        .collect();
                let history = fw.consent_history(&pid)?;
                return print_json(&serde_json::json!({
                    "participant_id": pid,
                    "date": format_date(on),
                    "in_force": items,
                    "records": records,
                    "withdrawals": withdrawals,
                    "corrected_records": history
                        .records
                        .iter()
                        .filter(|r| history.correction(&r.id).is_some())
                        .collect::<Vec<_>>(),
                    "corrected_withdrawals": history
                        .withdrawals
                        .iter()
                        .filter(|w| history.correction(&w.id).is_some())
                        .collect::<Vec<_>>(),
                    "corrections": history.corrections,
                }));
            }
            print!("{}", output::render_consent(&f, &records, &withdrawals, on));
            print!("{}", output::render_corrections(&fw.consent_history(&pid)?));
            Ok(0)
        }
        ConsentCmd::Correct {
            record,
            reason,
            yes,
            json,
        } => super::delete::correct(&mut fw, record, reason, *yes, *json),
        ConsentCmd::Problems { json } => {
            let problems = fw.consent_problems()?;
            if *json {
                return print_json(&problems);
            }
            let rows: Vec<Vec<String>> = problems
                .iter()
                .map(|p| {
                    vec![
                        p.kind.to_string(),
                        p.code.clone(),
                        p.session_id
                            .as_deref()
                            .map(|s| s.chars().take(8).collect())
                            .unwrap_or_default(),
                        p.date.clone(),
                        esc(&p.message),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(&["KIND", "CODE", "INTERVIEW", "DATE", "PROBLEM"], &rows)
            );
            eprintln!("fieldwork: {} consent problem(s)", problems.len());
            Ok(0)
        }
    }
}

fn interview(cli: &Cli, cfg: &LoadedConfig, c: &InterviewCmd) -> Out {
    let mut fw = open(cli, cfg)?;
    match c {
        InterviewCmd::Log {
            participants,
            date,
            phase,
            site,
            status,
            mode,
            duration,
            interviewer,
            recording,
            transcription,
            notes,
            allow_gap,
            json,
        } => {
            let input = InterviewInput {
                participants: participants.clone(),
                date: date_arg("date", date)?,
                phase: *phase,
                site: site.clone(),
                status: *status,
                mode: *mode,
                duration_min: *duration,
                interviewer: interviewer.clone(),
                recording: *recording,
                transcription: *transcription,
                notes: notes.clone(),
                allow_gap: *allow_gap,
            };
            let logged = fw.log_interview(&input)?;
            for w in &logged.warnings {
                eprintln!("fieldwork: warning: {}", esc(w));
            }
            if *json {
                return print_json(&logged.session);
            }
            println!("{}", logged.session.id);
            eprintln!(
                "fieldwork: interview {} {} on {} (phase {}, site {})",
                &logged.session.id[..8],
                logged.session.status,
                format_date(logged.session.date),
                logged.session.phase,
                logged.session.site
            );
            Ok(0)
        }
        InterviewCmd::Update {
            session,
            status,
            date,
            duration,
            recording,
            allow_gap,
        } => {
            let logged = fw.complete_interview(
                session,
                *status,
                date_arg("date", date)?,
                *duration,
                *recording,
                *allow_gap,
            )?;
            for w in &logged.warnings {
                eprintln!("fieldwork: warning: {}", esc(w));
            }
            eprintln!(
                "fieldwork: interview {} is {}",
                &logged.session.id[..8],
                logged.session.status
            );
            Ok(0)
        }
        InterviewCmd::List {
            phase,
            site,
            status,
            participant,
            page,
            json,
        } => {
            let filter = SessionFilter {
                kind: Some(SessionKind::Interview),
                phase: *phase,
                site: site
                    .as_ref()
                    .map(|s| fw.reference.site(s).map(|x| x.code.clone()))
                    .transpose()?,
                status: *status,
                participant: participant
                    .as_ref()
                    .map(|p| fw.resolve_participant(p))
                    .transpose()?,
            };
            let list = fw.sessions(&filter, false, page.offset, page.limit)?;
            if *json {
                return print_json(&list);
            }
            print!("{}", output::render_sessions(&list));
            Ok(0)
        }
        InterviewCmd::Show { session, json } => {
            let s = fw.session(session)?;
            let tags = fw.tags(Some(&s.id), None, 0, 10_000)?;
            if *json {
                let mut v = serde_json::to_value(&s).unwrap_or_default();
                v["tags"] = serde_json::to_value(&tags).unwrap_or_default();
                return print_json(&v);
            }
            print!("{}", output::render_session(&s, &tags));
            Ok(0)
        }
        InterviewCmd::Delete(args) => {
            super::delete::session(&mut fw, crate::domain::SessionKind::Interview, args)
        }
    }
}

fn observation(cli: &Cli, cfg: &LoadedConfig, c: &ObservationCmd) -> Out {
    let mut fw = open(cli, cfg)?;
    match c {
        ObservationCmd::Log {
            meeting_type,
            site,
            date,
            phase,
            title,
            observer,
            attendees,
            duration,
            notes,
            json,
        } => {
            let s = fw.log_observation(&ObservationInput {
                meeting_type: meeting_type.clone(),
                site: site.clone(),
                date: date_arg("date", date)?,
                phase: *phase,
                title: title.clone(),
                observer: observer.clone(),
                attendees: *attendees,
                duration_min: *duration,
                notes: notes.clone(),
                status: None,
            })?;
            if *json {
                return print_json(&s);
            }
            println!("{}", s.id);
            eprintln!(
                "fieldwork: observation {} logged (phase {}, site {})",
                &s.id[..8],
                s.phase,
                s.site
            );
            Ok(0)
        }
        ObservationCmd::List {
            phase,
            site,
            page,
            json,
        } => list_sessions(
            &fw,
            SessionKind::Observation,
            *phase,
            site.as_deref(),
            page,
            *json,
        ),
        ObservationCmd::Delete(args) => {
            super::delete::session(&mut fw, SessionKind::Observation, args)
        }
    }
}

/// List observations or documents, by date.
fn list_sessions(
    fw: &Fieldwork,
    kind: SessionKind,
    phase: Option<u32>,
    site: Option<&str>,
    page: &Page,
    json: bool,
) -> Out {
    let filter = SessionFilter {
        kind: Some(kind),
        phase,
        site: site
            .map(|s| fw.reference.site(s).map(|x| x.code.clone()))
            .transpose()?,
        ..Default::default()
    };
    let list = fw.sessions(&filter, false, page.offset, page.limit)?;
    if json {
        return print_json(&list);
    }
    print!("{}", output::render_sessions(&list));
    Ok(0)
}

fn document(cli: &Cli, cfg: &LoadedConfig, c: &DocumentCmd) -> Out {
    let mut fw = open(cli, cfg)?;
    match c {
        DocumentCmd::Add {
            title,
            site,
            date,
            phase,
            doc_type,
            notes,
            json,
        } => {
            let s = fw.add_document(&DocumentInput {
                title: title.clone(),
                site: site.clone(),
                date: date_arg("date", date)?,
                phase: *phase,
                doc_type: doc_type.clone(),
                notes: notes.clone(),
            })?;
            if *json {
                return print_json(&s);
            }
            println!("{}", s.id);
            eprintln!("fieldwork: document {} added", &s.id[..8]);
            Ok(0)
        }
        DocumentCmd::List { site, page, json } => list_sessions(
            &fw,
            SessionKind::Document,
            None,
            site.as_deref(),
            page,
            *json,
        ),
        DocumentCmd::Delete(args) => super::delete::session(&mut fw, SessionKind::Document, args),
    }
}

fn transcript(cli: &Cli, cfg: &LoadedConfig, c: &TranscriptCmd) -> Out {
    let mut fw = open(cli, cfg)?;
    match c {
        TranscriptCmd::Link {
            session,
            file,
            replace,
        } => {
            let t = fw.link_transcript(session, file, *replace)?;
            println!("{}", esc(&t.path));
            eprintln!(
                "fieldwork: linked {} ({} bytes, sha256 {}…) to interview {}",
                esc(&t.path),
                t.size,
                &t.sha256[..12],
                &t.session_id[..8]
            );
            Ok(0)
        }
        TranscriptCmd::Verify { relink, json } => {
            let results = fw.verify_transcripts(*relink)?;
            let bad = results
                .iter()
                .filter(|v| v.status != crate::domain::TranscriptStatus::Ok && !v.relinked)
                .count();
            if *json {
                print_json(&results)?;
            } else {
                for v in results
                    .iter()
                    .filter(|v| v.status != crate::domain::TranscriptStatus::Ok)
                {
                    let extra = match (&v.found_at, v.relinked) {
                        (Some(p), true) => format!(" → relinked to {}", esc(p)),
                        (Some(p), false) => format!(" → found at {} (use --relink)", esc(p)),
                        _ => String::new(),
                    };
                    println!(
                        "{}\t{}\t{}{}",
                        v.status,
                        &v.session_id[..8],
                        esc(&v.path),
                        extra
                    );
                }
                eprintln!(
                    "fieldwork: {} transcript(s) checked, {} ok, {} need attention",
                    results.len(),
                    results.len() - bad,
                    bad
                );
            }
            Ok(if bad == 0 { 0 } else { 1 })
        }
        TranscriptCmd::Import {
            file,
            interview,
            replace,
            json,
        } => {
            let out = fw.import_transcript(interview, file, *replace)?;
            super::coding::print_import(&out, *json)
        }
        TranscriptCmd::ImportDir {
            dir,
            pattern,
            dry_run,
            skip_bad,
            json,
        } => {
            let results = fw.import_dir(dir, pattern.as_deref(), *dry_run, *skip_bad)?;
            super::coding::print_dir(&results, *json)
        }
        TranscriptCmd::Show { interview, json } => {
            let v = fw.transcript_view(interview)?;
            super::coding::print_view(&v, *json)
        }
        TranscriptCmd::List { page, json } => {
            let rows = fw.transcript_rows(page.offset, page.limit)?;
            if *json {
                return print_json(&rows);
            }
            let table_rows: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.session_id.chars().take(8).collect(),
                        r.date.clone(),
                        r.phase.to_string(),
                        r.site.clone(),
                        r.participants.join(","),
                        r.state.clone(),
                        r.transcript
                            .as_ref()
                            .map(|t| esc(&t.path))
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(
                    &[
                        "INTERVIEW",
                        "DATE",
                        "PHASE",
                        "SITE",
                        "PARTICIPANTS",
                        "STATE",
                        "PATH"
                    ],
                    &table_rows
                )
            );
            Ok(0)
        }
    }
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

fn theme(cli: &Cli, cfg: &LoadedConfig, c: &ThemeCmd) -> Out {
    let mut fw = open(cli, cfg)?;
    match c {
        ThemeCmd::Add {
            name,
            framework,
            parent,
            description,
            colour,
        } => {
            let t = fw.add_theme(
                name,
                framework.as_deref(),
                parent.as_deref(),
                description.as_deref(),
                colour.as_deref(),
            )?;
            println!("{}", t.id);
            eprintln!("fieldwork: added theme {}", esc(&t.path));
            Ok(0)
        }
        ThemeCmd::Rename { theme, new_name } => {
            let t = fw.rename_theme(theme, new_name)?;
            eprintln!("fieldwork: renamed to {}", esc(&t.path));
            Ok(0)
        }
        ThemeCmd::Merge { theme, into } => {
            let (t, moved) = fw.merge_theme(theme, into)?;
            eprintln!(
                "fieldwork: merged into {} ({moved} tag(s) moved)",
                esc(&t.path)
            );
            Ok(0)
        }
        ThemeCmd::Retire { theme } => {
            let t = fw.retire_theme(theme)?;
            eprintln!(
                "fieldwork: retired {} ({} tag(s) kept)",
                esc(&t.path),
                t.tag_count
            );
            Ok(0)
        }
        ThemeCmd::List { all, json } => {
            let themes = fw.themes(*all)?;
            if *json {
                return print_json(&themes);
            }
            print!("{}", output::render_themes(&themes));
            Ok(0)
        }
        ThemeCmd::Framework { name, description } => {
            let f = fw.create_framework(name, description.as_deref())?;
            println!("{}", f.id);
            eprintln!("fieldwork: added framework {}", esc(&f.name));
            Ok(0)
        }
        ThemeCmd::Split { theme, into, tags } => {
            let (t, moved) = fw.split_theme(theme, into, tags)?;
            eprintln!(
                "fieldwork: created {} and moved {moved} tag(s) onto it",
                esc(&t.path)
            );
            Ok(0)
        }
        ThemeCmd::History { theme, json } => {
            let h = fw.theme_history(theme)?;
            if *json {
                let v: Vec<_> = h
                    .iter()
                    .map(|(a, d, at, by)| {
                        serde_json::json!({"action": a, "detail": serde_json::from_str::<serde_json::Value>(d).unwrap_or_default(), "at": at, "by": by})
                    })
                    .collect();
                return print_json(&v);
            }
            let rows: Vec<Vec<String>> = h
                .into_iter()
                .map(|(a, d, at, by)| vec![at, by, a, esc(&d)])
                .collect();
            print!("{}", table(&["AT", "BY", "ACTION", "DETAIL"], &rows));
            Ok(0)
        }
    }
}

fn tag(cli: &Cli, cfg: &LoadedConfig, c: &TagCmd) -> Out {
    let mut fw = open(cli, cfg)?;
    match c {
        TagCmd::Add {
            session,
            themes,
            memo,
        } => {
            let tags = fw.tag_session(session, themes, memo.as_deref())?;
            for t in &tags {
                println!("{}", t.id);
            }
            eprintln!(
                "fieldwork: {} new tag(s){}",
                tags.len(),
                if tags.len() < themes.len() {
                    " (the session already had the others)"
                } else {
                    ""
                }
            );
            Ok(0)
        }
        TagCmd::Remove {
            tag,
            session,
            theme,
        } => {
            fw.untag(tag.as_deref(), session.as_deref(), theme.as_deref())?;
            eprintln!("fieldwork: tag removed");
            Ok(0)
        }
        TagCmd::List {
            session,
            theme,
            page,
            json,
        } => {
            let tags = fw.tags(
                session.as_deref(),
                theme.as_deref(),
                page.offset,
                page.limit,
            )?;
            if *json {
                return print_json(&tags);
            }
            let rows: Vec<Vec<String>> = tags
                .iter()
                .map(|t| {
                    vec![
                        t.id.chars().take(8).collect(),
                        t.session_id.chars().take(8).collect(),
                        t.session_date.clone(),
                        esc(&t.theme),
                        t.memo.as_deref().map(esc).unwrap_or_default(),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(&["TAG", "SESSION", "DATE", "THEME", "MEMO"], &rows)
            );
            Ok(0)
        }
    }
}
