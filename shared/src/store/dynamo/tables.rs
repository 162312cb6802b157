//! The tables the service uses, their names and key schemas. `template.yaml` declares the
//! same tables for AWS; a test checks the two agree.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TableStatus,
    TimeToLiveSpecification, TimeToLiveStatus,
};

use super::batch::describe;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;

use super::items::{PK, SK};
use crate::store::StoreError;

/// Environment variable naming the prefix of every table.
pub const TABLE_PREFIX_VAR: &str = "TABLE_PREFIX";
/// Prefix used when the variable is unset.
pub const DEFAULT_TABLE_PREFIX: &str = "inventory-";

/// The logical tables and whether they have a sort key.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Table {
    Catalog,
    ApiKeys,
    Inventory,
    Jobs,
    Idempotency,
}

impl Table {
    pub const ALL: [Table; 5] = [
        Table::Catalog,
        Table::ApiKeys,
        Table::Inventory,
        Table::Jobs,
        Table::Idempotency,
    ];

    /// The name after the prefix.
    pub fn suffix(self) -> &'static str {
        match self {
            Table::Catalog => "catalog",
            Table::ApiKeys => "api-keys",
            Table::Inventory => "stock",
            Table::Jobs => "jobs",
            Table::Idempotency => "idempotency",
        }
    }

    pub fn has_sort_key(self) -> bool {
        self == Table::Inventory
    }

    /// The attribute DynamoDB's time to live deletes expired items by, if the table has one.
    pub fn ttl_attribute(self) -> Option<&'static str> {
        (self == Table::Idempotency).then_some("expiresAt")
    }
}

/// Concrete table names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tables {
    pub prefix: String,
}

impl Tables {
    pub fn with_prefix(prefix: impl Into<String>) -> Tables {
        Tables {
            prefix: prefix.into(),
        }
    }

    /// From `TABLE_PREFIX`, or the default.
    pub fn from_env() -> Tables {
        Tables::with_prefix(
            std::env::var(TABLE_PREFIX_VAR).unwrap_or_else(|_| DEFAULT_TABLE_PREFIX.to_owned()),
        )
    }

    pub fn name(&self, table: Table) -> String {
        format!("{}{}", self.prefix, table.suffix())
    }
}

/// Creates every missing table (on-demand billing) and waits until all are active.
/// Tables that exist are left alone, so running it twice is harmless.
pub async fn create_tables(client: &Client, tables: &Tables) -> Result<Vec<String>, StoreError> {
    let mut created = Vec::new();
    for table in Table::ALL {
        let name = tables.name(table);
        let mut request = client
            .create_table()
            .table_name(&name)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attribute(PK))
            .key_schema(key(PK, KeyType::Hash));
        if table.has_sort_key() {
            request = request
                .attribute_definitions(attribute(SK))
                .key_schema(key(SK, KeyType::Range));
        }
        match request.send().await {
            Ok(_) => created.push(name.clone()),
            Err(err) => {
                let code = err
                    .as_service_error()
                    .map(|e| e.is_resource_in_use_exception());
                if code != Some(true) {
                    return Err(StoreError::Rejected(
                        format!("creating table {name}: {}", describe(&err)).into(),
                    ));
                }
            }
        }
        wait_active(client, &name).await?;
        if let Some(attribute) = table.ttl_attribute() {
            enable_ttl(client, &name, attribute).await?;
        }
    }
    Ok(created)
}

/// Turns on the table's time to live, unless it is on. An endpoint without the feature
/// (dynalite) is left as it is: expired records are then never deleted, and every read
/// treats them as absent anyway.
async fn enable_ttl(client: &Client, name: &str, attribute: &str) -> Result<(), StoreError> {
    let unsupported = |code: Option<&str>| code == Some("UnknownOperationException");
    match client.describe_time_to_live().table_name(name).send().await {
        Ok(out) => {
            let status = out
                .time_to_live_description()
                .and_then(|d| d.time_to_live_status());
            if matches!(
                status,
                Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
            ) {
                return Ok(());
            }
        }
        Err(err) if unsupported(err.as_service_error().and_then(|e| e.code())) => {
            tracing::warn!(
                table = name,
                "this endpoint has no time to live; expired records stay, ignored by reads"
            );
            return Ok(());
        }
        Err(err) => {
            return Err(StoreError::Rejected(
                format!("describing the time to live of {name}: {}", describe(&err)).into(),
            ));
        }
    }
    let spec = TimeToLiveSpecification::builder()
        .attribute_name(attribute)
        .enabled(true)
        .build()
        .map_err(|e| StoreError::Rejected(Box::new(e)))?;
    match client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(spec)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(err) if unsupported(err.as_service_error().and_then(|e| e.code())) => {
            tracing::warn!(
                table = name,
                "this endpoint has no time to live; expired records stay, ignored by reads"
            );
            Ok(())
        }
        Err(err) => Err(StoreError::Rejected(
            format!("enabling the time to live of {name}: {}", describe(&err)).into(),
        )),
    }
}

async fn wait_active(client: &Client, name: &str) -> Result<(), StoreError> {
    for _ in 0..120 {
        let out = client
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(|e| {
                StoreError::Rejected(format!("describing {name}: {}", describe(&e)).into())
            })?;
        if out.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Err(StoreError::Unavailable(
        format!("table {name} did not become active").into(),
    ))
}

fn attribute(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("name and type are set")
}

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .expect("name and key type are set")
}
