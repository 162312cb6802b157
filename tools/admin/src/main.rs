//! `inventory-admin`: run it with the same environment as the functions (`TABLE_PREFIX`,
//! AWS region and credentials, and `AWS_ENDPOINT_URL_DYNAMODB` for a local endpoint).

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use inventory_admin::seed::SeedFile;
use inventory_core::auth::{KeyHash, Scope, StoredKey, generate_key};
use inventory_core::model::TenantId;
use inventory_core::store::dynamo::{DynamoStore, Table, items, tables};

#[derive(Parser)]
#[command(name = "inventory-admin", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create every table the service needs (tables that exist are left alone).
    CreateTables,
    /// Load tenants, API keys, locations, accounts and variants from a seed file.
    Seed {
        /// The seed file (JSON; see README "Seed file").
        file: std::path::PathBuf,
    },
    /// Create a new random API key for a tenant and print it (shown once, stored hashed).
    CreateKey {
        #[arg(long)]
        tenant: String,
        /// inventory:write and/or inventory:read; repeat for several.
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        #[arg(long)]
        name: Option<String>,
    },
    /// Rewrite records stored in the earlier layout (update commands and snapshots) in the
    /// current one. Safe to run at any time and again: a rerun completes what a broken run
    /// left and does nothing once all is migrated.
    Migrate,
    /// Print the current stock records of a variant, as JSON.
    Stock {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        variant: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("inventory-admin: {message}");
            ExitCode::FAILURE
        }
    }
}

fn tenant(raw: &str) -> Result<TenantId, String> {
    TenantId::parse(raw).ok_or_else(|| format!("{raw:?} is not a valid tenant id"))
}

/// The error and its causes, one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

async fn run(cli: Cli) -> Result<(), String> {
    let store = DynamoStore::from_env().await.map_err(|e| chain(&e))?;
    match cli.command {
        Command::CreateTables => {
            let created = tables::create_tables(store.sdk(), store.tables())
                .await
                .map_err(|e| chain(&e))?;
            for table in Table::ALL {
                let name = store.tables().name(table);
                let state = if created.contains(&name) {
                    "created"
                } else {
                    "exists"
                };
                println!("{name}: {state}");
            }
        }
        Command::Seed { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let seed = SeedFile::parse(&text).map_err(|e| format!("{}: {e}", file.display()))?;
            let report = inventory_admin::seed(&store, &seed)
                .await
                .map_err(|e| chain(&e))?;
            println!(
                "seeded {} tenant(s): {} API key(s), {} catalog item(s)",
                report.tenants, report.keys, report.catalog_items
            );
        }
        Command::CreateKey {
            tenant: t,
            scopes,
            name,
        } => {
            let tenant = tenant(&t)?;
            let scopes = scopes
                .iter()
                .map(|s| Scope::parse(s).ok_or_else(|| format!("unknown scope {s:?}")))
                .collect::<Result<Vec<_>, _>>()?;
            let key = generate_key();
            let stored = StoredKey {
                hash: KeyHash::of(&key),
                tenant,
                scopes,
                name,
            };
            let item = items::key_item(&stored).map_err(|e| chain(&e))?;
            store
                .put_items(Table::ApiKeys, vec![item])
                .await
                .map_err(|e| chain(&e))?;
            println!("{key}");
            eprintln!(
                "key id {} stored hashed; this is the only time the key is shown",
                stored.hash.key_id()
            );
        }
        Command::Migrate => {
            let report = inventory_admin::migrate(&store)
                .await
                .map_err(|e| chain(&e))?;
            println!(
                "scanned {} item(s): migrated {} record(s), wrote {} item(s), {} already superseded by newer writes, deleted {} earlier-layout item(s)",
                report.items_scanned,
                report.records_migrated,
                report.items_written,
                report.items_superseded,
                report.legacy_items_deleted
            );
        }
        Command::Stock { tenant: t, variant } => {
            let records = inventory_admin::stock(&store, &tenant(&t)?, &variant)
                .await
                .map_err(|e| chain(&e))?;
            let text = serde_json::to_string_pretty(&records).map_err(|e| e.to_string())?;
            println!("{text}");
        }
    }
    Ok(())
}
