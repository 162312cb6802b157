//! What is deployed matches what runs locally: `template.yaml` declares exactly the routes
//! `cargo lambda watch` serves (Cargo.toml's router), every function binary, the tables with
//! the key schemas the code creates, and least-privilege policies. No stack needed.

use std::collections::BTreeSet;

use inventory_core::store::dynamo::Table;
use yaml_serde::Value;

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn template() -> Value {
    let text = std::fs::read_to_string(root().join("template.yaml")).expect("template.yaml");
    yaml_serde::from_str(&text).expect("template.yaml parses")
}

/// `!Ref X` / `!GetAtt X.Arn` and friends, as plain text.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Tagged(t) => format!("{} {}", t.tag, plain(&t.value)),
        Value::Sequence(items) => items.iter().map(plain).collect::<Vec<_>>().join(" "),
        other => yaml_serde::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_owned(),
    }
}

fn resources(template: &Value, kind: &str) -> Vec<(String, Value)> {
    template["Resources"]
        .as_mapping()
        .expect("Resources")
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some(kind))
        .map(|(name, r)| (name.as_str().unwrap_or_default().to_owned(), r.clone()))
        .collect()
}

/// (method, path, binary) of every HTTP route.
type Route = (String, String, String);

fn template_routes(template: &Value) -> BTreeSet<Route> {
    let mut routes = BTreeSet::new();
    for (_, function) in resources(template, "AWS::Serverless::Function") {
        let binary = function["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .expect("Binary")
            .to_owned();
        if let Some(events) = function["Properties"]["Events"].as_mapping() {
            for (_, event) in events {
                if event["Type"].as_str() == Some("HttpApi") {
                    let p = &event["Properties"];
                    routes.insert((plain(&p["Method"]), plain(&p["Path"]), binary.clone()));
                }
            }
        }
    }
    routes
}

fn local_routes() -> BTreeSet<Route> {
    let text = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    let manifest: toml::Table = toml::from_str(&text).expect("Cargo.toml parses");
    let router = manifest["workspace"]["metadata"]["lambda"]["watch"]["router"]
        .as_table()
        .expect("a watch router");
    let mut routes = BTreeSet::new();
    for (path, targets) in router {
        for target in targets.as_array().expect("method-specific routes") {
            routes.insert((
                target["method"].as_str().expect("method").to_owned(),
                path.clone(),
                target["function"].as_str().expect("function").to_owned(),
            ));
        }
    }
    routes
}

#[test]
fn the_template_serves_exactly_the_local_routes() {
    let deployed = template_routes(&template());
    let local = local_routes();
    assert_eq!(
        deployed, local,
        "template.yaml and Cargo.toml's watch router disagree"
    );
    assert_eq!(local.len(), 7);
}

#[test]
fn every_function_binary_is_deployed_with_the_cargo_lambda_build_method() {
    let template = template();
    let mut binaries = BTreeSet::new();
    for (name, function) in resources(&template, "AWS::Serverless::Function") {
        assert_eq!(
            function["Metadata"]["BuildMethod"].as_str(),
            Some("rust-cargolambda"),
            "{name}"
        );
        assert_eq!(
            function["Properties"]["CodeUri"].as_str(),
            Some("."),
            "{name}"
        );
        binaries.insert(
            function["Metadata"]["BuildProperties"]["Binary"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        // Each function logs to its own group, which has a retention.
        let group = plain(&function["Properties"]["LoggingConfig"]["LogGroup"]);
        let group_name = group.trim_start_matches("!Ref ");
        let resource = &template["Resources"][group_name];
        assert_eq!(
            resource["Type"].as_str(),
            Some("AWS::Logs::LogGroup"),
            "{name}"
        );
        assert!(
            !resource["Properties"]["RetentionInDays"].is_null(),
            "{name}"
        );
    }
    // One function per route, and nothing else: no background process.
    let expected: BTreeSet<String> = local_routes().into_iter().map(|(_, _, f)| f).collect();
    assert_eq!(binaries, expected);
    let globals = &template["Globals"]["Function"];
    assert_eq!(globals["Runtime"].as_str(), Some("provided.al2023"));
    assert_eq!(globals["Handler"].as_str(), Some("bootstrap"));
    assert_eq!(plain(&globals["Architectures"]), "arm64");
    assert_eq!(globals["Tracing"].as_str(), Some("Active"));
}

#[test]
fn the_tables_are_the_ones_the_code_uses() {
    let template = template();
    let tables = resources(&template, "AWS::DynamoDB::Table");
    assert_eq!(tables.len(), Table::ALL.len());
    for table in Table::ALL {
        let (name, resource) = tables
            .iter()
            .find(|(_, r)| {
                plain(&r["Properties"]["TableName"])
                    .contains(&format!("${{Prefix}}{}", table.suffix()))
            })
            .unwrap_or_else(|| panic!("no table named <prefix>{}", table.suffix()));
        let p = &resource["Properties"];
        let keys: Vec<(String, String)> = p["KeySchema"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|k| (plain(&k["AttributeName"]), plain(&k["KeyType"])))
            .collect();
        let mut want = vec![("pk".to_owned(), "HASH".to_owned())];
        if table.has_sort_key() {
            want.push(("sk".to_owned(), "RANGE".to_owned()));
        }
        assert_eq!(keys, want, "{name}");
        assert_eq!(p["BillingMode"].as_str(), Some("PAY_PER_REQUEST"), "{name}");
        assert_eq!(
            plain(&p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]),
            "true",
            "{name}"
        );
        assert_eq!(
            plain(&p["DeletionProtectionEnabled"]),
            "!Ref DeletionProtection",
            "{name}"
        );
        let ttl = &p["TimeToLiveSpecification"];
        match table.ttl_attribute() {
            Some(attribute) => {
                assert_eq!(plain(&ttl["AttributeName"]), attribute, "{name}");
                assert_eq!(plain(&ttl["Enabled"]), "true", "{name}");
            }
            None => assert!(ttl.is_null(), "{name}"),
        }
    }
}

#[test]
fn policies_are_least_privilege() {
    let template = template();
    for (name, function) in resources(&template, "AWS::Serverless::Function") {
        let policies = function["Properties"]["Policies"]
            .as_sequence()
            .expect("explicit policies");
        let mut actions = BTreeSet::new();
        for policy in policies {
            for statement in policy["Statement"]
                .as_sequence()
                .expect("inline statements only")
            {
                let resource = plain(&statement["Resource"]);
                assert!(
                    resource.starts_with("!GetAtt ") && !resource.contains('*'),
                    "{name}: {resource}"
                );
                match &statement["Action"] {
                    Value::Sequence(list) => actions.extend(list.iter().map(plain)),
                    one => {
                        actions.insert(plain(one));
                    }
                }
            }
        }
        for action in &actions {
            assert!(
                action.starts_with("dynamodb:") && !action.contains('*'),
                "{name}: {action}"
            );
        }
        let reads_only = name == "InventoryQueryFunction" || name == "BulkInsertJobFunction";
        if reads_only {
            let writes: Vec<_> = actions
                .iter()
                .filter(|a| {
                    a.contains("Put")
                        || a.contains("Write")
                        || a.contains("Delete")
                        || a.contains("Update")
                })
                .collect();
            assert!(writes.is_empty(), "{name} only reads: {writes:?}");
        }
    }
}

/// Each function may call exactly the DynamoDB actions its code makes, on the tables it
/// makes them on: no more (least privilege) and no fewer (a call the policy forgets fails
/// only on AWS, where no test runs).
#[test]
fn each_function_may_make_exactly_its_calls() {
    let writer = [
        "GetItem api-keys",
        "BatchGetItem catalog",
        "BatchWriteItem stock",
        // Confirming writes whose answers were lost.
        "BatchGetItem stock",
        "PutItem idempotency",
        "GetItem idempotency",
        "DeleteItem idempotency",
    ];
    let expected: Vec<(&str, Vec<&str>)> = vec![
        ("batch-stock", writer.to_vec()),
        ("crux-bulk-inventory", writer.to_vec()),
        ("product-inventory", writer.to_vec()),
        ("bulk-insert", [&writer[..], &["PutItem jobs"]].concat()),
        ("bulk-insert-job", vec!["GetItem api-keys", "GetItem jobs"]),
        (
            "wix-inventory-create",
            vec![
                "GetItem api-keys",
                "BatchGetItem catalog",
                "Query stock",
                "PutItem stock",
                "GetItem stock",
                "PutItem idempotency",
                "GetItem idempotency",
                "DeleteItem idempotency",
            ],
        ),
        (
            "inventory-query",
            vec!["GetItem api-keys", "BatchGetItem catalog", "Query stock"],
        ),
    ];
    let table_of = |resource: &str| -> String {
        let logical = resource
            .trim_start_matches("!GetAtt ")
            .trim_end_matches(".Arn");
        let template = template();
        plain(&template["Resources"][logical]["Properties"]["TableName"])
            .split("${Prefix}")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_default()
            .to_owned()
    };
    let template = template();
    let mut seen = BTreeSet::new();
    for (name, function) in resources(&template, "AWS::Serverless::Function") {
        let binary = function["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap_or_default();
        let mut granted = BTreeSet::new();
        for policy in function["Properties"]["Policies"].as_sequence().unwrap() {
            for statement in policy["Statement"].as_sequence().unwrap() {
                let table = table_of(&plain(&statement["Resource"]));
                let actions = match &statement["Action"] {
                    Value::Sequence(list) => list.iter().map(plain).collect(),
                    one => vec![plain(one)],
                };
                for action in actions {
                    granted.insert(format!(
                        "{} {table}",
                        action.trim_start_matches("dynamodb:")
                    ));
                }
            }
        }
        let (_, want) = expected
            .iter()
            .find(|(b, _)| *b == binary)
            .unwrap_or_else(|| panic!("{name}: no expected calls for {binary}"));
        let want: BTreeSet<String> = want.iter().map(|s| s.to_string()).collect();
        assert_eq!(granted, want, "{name}");
        seen.insert(binary.to_owned());
    }
    assert_eq!(seen.len(), expected.len());
}
