use serde_json::json;

use super::*;
use crate::testing::request;

crate::record! {
    #[derive(Clone, PartialEq, Debug)]
    struct Inner<'a> {
        "limit" => limit: Quantity,
        "note" => note: Text<'a>,
    }
}

crate::record! {
    #[derive(Clone, PartialEq, Debug)]
    struct Probe<'a> {
        "id" => id: Id<'a>,
        "n" => n: Quantity,
        "inner" => inner: Inner<'a>,
        "list" => list: List<Field<Id<'a>>, 3>,
    }
}

fn probe(json: &str) -> Probe<'_> {
    match serde_json::from_str::<Element<Probe>>(json).expect("JSON") {
        Element::Ok(probe) => probe,
        Element::Other(other) => panic!("not an object: {other}"),
    }
}

#[test]
fn every_field_is_absent_null_good_or_bad_and_nothing_fails_the_read() {
    let p = probe(r#"{"id": "A", "n": -1}"#);
    assert_eq!(p.id, Field::Ok(Id::Text("A".into())));
    assert_eq!(p.n, Field::Bad(Problem::Negative));
    assert_eq!(p.inner, Field::Absent);
    let p = probe(r#"{"id": null, "n": "x", "inner": 7, "list": {}}"#);
    assert_eq!(p.id, Field::Null);
    assert!(!p.id.is_given());
    assert_eq!(p.n, Field::Bad(Problem::NotInteger));
    assert_eq!(p.inner, Field::Bad(Problem::NotObject));
    assert_eq!(p.list, Field::Bad(Problem::NotArray));
    assert!(p.strays.is_empty());
}

#[test]
fn unknown_and_repeated_keys_are_collected_with_their_path() {
    let p = probe(
        r#"{"id": "A", "colour": [1, {"x": 2}], "id": "B", "inner": {"limit": 2, "limit": 3, "x": 1}}"#,
    );
    assert_eq!(
        p.id,
        Field::Ok(Id::Text("A".into())),
        "the first value stays"
    );
    let errors: Vec<String> = p
        .strays
        .errors("items[0].")
        .map(|e| e.to_string())
        .collect();
    assert_eq!(
        errors,
        [
            "Unknown field: items[0].colour",
            "Repeated field: items[0].id"
        ]
    );
    let Field::Ok(inner) = p.inner else {
        panic!("an object")
    };
    assert_eq!(inner.limit, Field::Ok(Quantity(2)));
    assert_eq!(
        inner.strays.first("inner.").unwrap_err().to_string(),
        "Repeated field: inner.limit"
    );
    let errors: Vec<String> = inner.strays.errors("").map(|e| e.to_string()).collect();
    assert_eq!(errors, ["Repeated field: limit", "Unknown field: x"]);
    // A null first value still takes the key.
    let p = probe(r#"{"n": null, "n": 1}"#);
    assert_eq!(p.n, Field::Null);
    assert!(!p.strays.is_empty());
}

#[test]
fn escaped_keys_are_the_same_keys() {
    let p = probe(r#"{"\u0069d": "A", "i\u0064": "B"}"#);
    assert_eq!(p.id, Field::Ok(Id::Text("A".into())));
    assert_eq!(
        p.strays.first("").unwrap_err().to_string(),
        "Repeated field: id"
    );
}

#[test]
fn lists_keep_at_most_max_and_say_when_there_were_more() {
    let p = probe(r#"{"list": ["a", 1, 1.5]}"#);
    let Field::Ok(list) = p.list else {
        panic!("a list")
    };
    assert_eq!(
        list.items,
        [
            Field::Ok(Id::Text("a".into())),
            Field::Ok(Id::Number("1".into())),
            Field::Bad(Problem::NotString)
        ]
    );
    assert!(!list.too_many);
    let p = probe(r#"{"list": ["a", "b", "c", "d", {"deep": [1]}]}"#);
    let Field::Ok(list) = p.list else {
        panic!("a list")
    };
    assert_eq!(list.items.len(), 3);
    assert!(list.too_many);
}

#[test]
fn a_list_makes_room_for_many_in_one_step() {
    let many: Vec<u32> = (0..40).collect();
    let text = json!(many).to_string();
    let Element::Ok(list) =
        serde_json::from_str::<Element<List<Field<Quantity>, 1000>>>(&text).unwrap()
    else {
        panic!("a list")
    };
    assert_eq!(list.items.len(), 40);
    assert_eq!(list.items.capacity(), 1000);
}

#[test]
fn elements_of_another_shape_are_kept_to_say_what_they_were() {
    let items: Element<List<Element<Probe>, 10>> =
        serde_json::from_str(r#"[7, null, "x", [1], {"id": "A"}]"#).unwrap();
    let Element::Ok(list) = items else {
        panic!("a list")
    };
    let others: Vec<Option<Value>> = list
        .items
        .iter()
        .map(|e| match e {
            Element::Ok(_) => None,
            Element::Other(v) => Some(v.clone()),
        })
        .collect();
    assert_eq!(
        others,
        [
            Some(json!(7)),
            Some(json!(null)),
            Some(json!("x")),
            Some(json!([1])),
            None
        ]
    );
    let body: Element<Probe> = serde_json::from_str(r#"[{"id": "A"}]"#).unwrap();
    assert_eq!(body, Element::Other(json!([{"id": "A"}])));
}

#[test]
fn bodies_fail_only_when_empty_or_not_json() {
    let read = |text: &str| {
        let req = request("POST", "/", &[], text);
        body::<Element<Probe>>(&req).map(|e| matches!(e, Element::Ok(_)))
    };
    assert!(matches!(read(""), Err(BodyError::Empty)));
    assert!(matches!(read(" \n"), Err(BodyError::Empty)));
    assert!(matches!(read("{"), Err(BodyError::Malformed(_))));
    assert!(matches!(
        read(r#"{"id": "A"} x"#),
        Err(BodyError::Malformed(_))
    ));
    assert!(matches!(read(r#"{"n": 1e400}"#), Ok(true)));
    assert!(matches!(read("[]"), Ok(false)));
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    assert!(matches!(read(&deep), Err(BodyError::Malformed(_))));
    // Bytes (as API Gateway hands over a base64 body) read the same, checked as UTF-8.
    let mut req = request("POST", "/", &[], "");
    *req.body_mut() = Body::Binary(br#"{"id": "A\u00e9"}"#.to_vec());
    assert!(matches!(body::<Element<Probe>>(&req), Ok(Element::Ok(_))));
    *req.body_mut() = Body::Binary(b"{\"id\": \"\xff\"}".to_vec());
    assert!(matches!(
        body::<Element<Probe>>(&req),
        Err(BodyError::Malformed(_))
    ));
}
