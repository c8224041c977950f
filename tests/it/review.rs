//! The review queue through `api`: detection does not duplicate flags nor reopen decided
//! ones; decisions are logged and the last one can be undone; warning actions hide a
//! warning until the snooze ends.

use hearth::api;
use hearth::api::review::{Decision, FlagStatus, WarningActionChange};
use hearth::model::{ActivityKind, Platform};
use hearth::store::{NewActivity, NewGroup, NewMember, Store};

/// One member floods "#general" with the same text three times within ten minutes, on
/// `floods` separate days (each flood is one flag).
fn write(store: &mut Store, floods: i64) {
    let mut tx = store.begin_import().unwrap();
    let group = tx
        .upsert_group(&NewGroup { platform: Platform::Slack, platform_id: "T1", name: "Queue", is_archive: true, is_demo: false }, 0)
        .unwrap();
    let channel = tx.upsert_channel(group, "C1", "general").unwrap();
    let member = tx.upsert_member(group, &NewMember { platform_id: "U1", display_name: "Ada", is_bot: false }).unwrap();
    for day in 0..floods {
        for repeat in 0..3 {
            let platform_id = format!("{day}-{repeat}");
            tx.insert_activity(
                group,
                &NewActivity {
                    channel_id: channel,
                    member_id: member,
                    platform_id: &platform_id,
                    kind: ActivityKind::Message,
                    at: 1_700_000_000 + day * 86_400 + repeat * 60,
                    parent_platform_id: None,
                    text: Some("join my channel now"),
                    raw_kind: None,
                },
            )
            .unwrap();
        }
    }
    tx.finish().unwrap();
}

#[test]
fn detection_again_neither_duplicates_nor_reopens_and_undo_restores() {
    let mut store = Store::open_in_memory().unwrap();
    write(&mut store, 2);
    let first = api::review::flags(&mut store, "Queue", None, 10).unwrap();
    assert_eq!((first.detection.added, first.flags.len()), (2, 2));
    assert!(first.flags.iter().all(|flag| flag.code == "flood" && flag.status == FlagStatus::Open && flag.evidence.message_ids.len() == 3));

    let flag = first.flags[0].id;
    let decided = api::review::review(&mut store, "Queue", flag, Decision::Dismiss, Some("a meme, not spam"), 20).unwrap();
    assert_eq!((decided.status, decided.note.as_deref(), decided.decided_at), (FlagStatus::Dismissed, Some("a meme, not spam"), Some(20)));
    // A final decision cannot be decided again without undo.
    let error = api::review::review(&mut store, "Queue", flag, Decision::Action, None, 21).unwrap_err();
    assert!(error.message.contains("undo"), "{}", error.message);

    // A third flood arrives; detection runs again: one new flag, the dismissed one stays.
    write(&mut store, 3);
    let again = api::review::flags(&mut store, "Queue", None, 30).unwrap();
    assert_eq!((again.detection.added, again.detection.unchanged, again.flags.len()), (1, 2, 3));
    let open = api::review::flags(&mut store, "Queue", Some(FlagStatus::Open), 31).unwrap();
    assert_eq!(open.flags.len(), 2);
    assert!(open.flags.iter().all(|view| view.id != flag));

    // Escalate, then action: two decisions logged; undo goes back one step at a time.
    let other = open.flags[0].id;
    api::review::review(&mut store, "Queue", other, Decision::Escalate, Some("ask the owner"), 40).unwrap();
    let actioned = api::review::review(&mut store, "Queue", other, Decision::Action, Some("removed"), 41).unwrap();
    assert_eq!(actioned.decisions.len(), 2);
    let undone = api::review::undo_review(&mut store, "Queue", other, 42).unwrap();
    assert_eq!((undone.status, undone.note.as_deref(), undone.decided_at), (FlagStatus::Escalated, Some("ask the owner"), Some(40)));
    assert_eq!(undone.decisions[1].undone_at, Some(42));
    let reopened = api::review::undo_review(&mut store, "Queue", other, 43).unwrap();
    assert_eq!((reopened.status, reopened.note, reopened.decided_at), (FlagStatus::Open, None, None));
    assert!(api::review::undo_review(&mut store, "Queue", other, 44).is_err(), "nothing left to undo");
    assert!(api::review::review(&mut store, "Queue", 9_999, Decision::Dismiss, None, 45).is_err());
}

#[test]
fn warning_actions_snooze_handle_and_note() {
    let mut store = Store::open_in_memory().unwrap();
    write(&mut store, 1);
    let member = store.load_group_data(&api::find_group(&store, "Queue").unwrap()).unwrap().members[0].id;
    let change = WarningActionChange { snooze_until: Some(Some(500)), note: Some(Some("on holiday".into())), handled: None };
    let action = api::review::act_on_warning(&mut store, "Queue", member, &change, 100).unwrap();
    assert_eq!((action.snoozed_until, action.note.as_deref(), action.handled_at), (Some(500), Some("on holiday"), None));
    // Marking handled keeps the note and the snooze.
    let handled = WarningActionChange { handled: Some(true), ..WarningActionChange::default() };
    let action = api::review::act_on_warning(&mut store, "Queue", member, &handled, 200).unwrap();
    assert_eq!((action.snoozed_until, action.note.as_deref(), action.handled_at), (Some(500), Some("on holiday"), Some(200)));
    assert!(api::review::act_on_warning(&mut store, "Queue", 424_242, &handled, 300).is_err());
}
