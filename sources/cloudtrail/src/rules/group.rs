/*!
Collapsing repeats inside one batch, so a burst arrives as one message.

Messages whose findings name the same rules, for the same actor, the same
action and the same error code, are one group: forty denials of the same
role on the same call become one message that says `(×40)`, lists when the
first and last happened, the events' ids and the distinct resources, each
list bounded. A group's id is derived from what the group has in common and
its first event, so a redelivered batch yields the same id. Messages without
findings pass through untouched.
*/

use std::collections::HashMap;

use activity_aware::message::{Detail, Message, Occurrences, Resource, TITLE_MAX_CHARS};
use sha2::{Digest, Sha256};

/// The most resources a grouped message lists.
pub const MAX_RESOURCES: usize = 20;

/// The label of the detail that counts resources left out.
pub const MORE_RESOURCES_LABEL: &str = "More resources";

/// What the messages of one group share.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct GroupKey {
    rule_ids: Vec<String>,
    actor: String,
    /// The credential and the origin are part of who acted: the same user
    /// name from a second address or with a second access key is kept
    /// apart, so stolen credentials never hide inside their owner's group.
    access_key_id: String,
    source_address: String,
    action: String,
    error_code: String,
}

impl GroupKey {
    fn of(message: &Message) -> GroupKey {
        let mut rule_ids: Vec<String> = message
            .findings
            .iter()
            .map(|finding| finding.rule_id.clone())
            .collect();
        rule_ids.sort();
        rule_ids.dedup();

        let actor = message
            .actor
            .arn
            .clone()
            .unwrap_or_else(|| message.actor.name.clone());

        let action = message.action.iam_action.clone().unwrap_or_else(|| {
            format!(
                "{}:{}",
                message.action.service.as_deref().unwrap_or_default(),
                message.action.name.as_deref().unwrap_or_default()
            )
        });

        GroupKey {
            rule_ids,
            actor,
            access_key_id: message.actor.access_key_id.clone().unwrap_or_default(),
            source_address: message.actor.source_address.clone().unwrap_or_default(),
            action,
            error_code: message.action.error_code.clone().unwrap_or_default(),
        }
    }

    /// A stable id for the group that starts with `first_event_id`.
    fn id(&self, first_event_id: &str) -> String {
        let mut hash = Sha256::new();
        for part in self.rule_ids.iter().chain([
            &self.actor,
            &self.access_key_id,
            &self.source_address,
            &self.action,
            &self.error_code,
        ]) {
            hash.update(part.as_bytes());
            // A separator no field can hold, so that parts cannot run together.
            hash.update([0]);
        }
        hash.update(first_event_id.as_bytes());

        // 16 bytes, 32 hex digits: the contract's id shape.
        hash.finalize()[..16]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

/// A group being built: its first message and what the others add.
struct Group {
    key: GroupKey,
    first: Message,
    count: u32,
    first_time: String,
    last_time: String,
    event_ids: Vec<String>,
    resources: Vec<Resource>,
    more_resources: usize,
}

impl Group {
    /// A group of one.
    fn new(key: GroupKey, first: Message) -> Group {
        let mut group = Group {
            key,
            count: 0,
            first_time: first.time.clone(),
            last_time: first.time.clone(),
            event_ids: Vec::new(),
            resources: Vec::new(),
            more_resources: 0,
            first,
        };
        group.record_first();
        group
    }

    fn record_first(&mut self) {
        let first = &self.first;
        let occurrences = first.occurrences.clone();
        let (time, event_id, resources) = (
            first.time.clone(),
            first.event.id.clone(),
            first.resources.clone(),
        );
        self.record(occurrences, time, event_id, resources);
    }

    fn add(&mut self, message: Message) {
        self.first.severity = self.first.severity.max(message.severity);
        self.record(
            message.occurrences,
            message.time,
            message.event.id,
            message.resources,
        );
    }

    fn record(
        &mut self,
        occurrences: Option<Occurrences>,
        time: String,
        event_id: String,
        resources: Vec<Resource>,
    ) {
        let (count, first_time, last_time, event_ids) = match occurrences {
            Some(occurrences) => (
                occurrences.count.max(1),
                occurrences.first_time,
                occurrences.last_time,
                occurrences.event_ids,
            ),
            None => (1, time.clone(), time, vec![event_id]),
        };

        self.count = self.count.saturating_add(count);

        // CloudTrail writes every time in the same RFC 3339 UTC form, so
        // text order is time order.
        if first_time < self.first_time {
            self.first_time = first_time;
        }
        if last_time > self.last_time {
            self.last_time = last_time;
        }

        for id in event_ids {
            if self.event_ids.len() < Occurrences::MAX_EVENT_IDS && !self.event_ids.contains(&id) {
                self.event_ids.push(id);
            }
        }

        for resource in resources {
            if self.resources.contains(&resource) {
                continue;
            }
            if self.resources.len() < MAX_RESOURCES {
                self.resources.push(resource);
            } else {
                self.more_resources += 1;
            }
        }
    }

    fn finish(self) -> Message {
        let mut message = self.first;
        if self.count <= 1 {
            return message;
        }

        message.id = self.key.id(&message.event.id);
        message.title = counted_title(&message.title, self.count);
        message.time = self.first_time.clone();
        message.resources = self.resources;
        if self.more_resources > 0 {
            message.details.push(Detail::new(
                MORE_RESOURCES_LABEL,
                format!("{} more not listed", self.more_resources),
            ));
        }
        message.occurrences = Some(Occurrences {
            count: self.count,
            first_time: self.first_time,
            last_time: self.last_time,
            event_ids: self.event_ids,
        });

        message
    }
}

/// Collapses the messages of one batch into groups, in the order each group
/// first appeared.
pub fn group(messages: Vec<Message>) -> Vec<Message> {
    let mut entries: Vec<Entry> = Vec::with_capacity(messages.len());
    let mut by_key: HashMap<GroupKey, usize> = HashMap::new();

    for message in messages {
        if message.findings.is_empty() {
            entries.push(Entry::Alone(message));
            continue;
        }

        let key = GroupKey::of(&message);
        match by_key.get(&key).and_then(|&at| entries.get_mut(at)) {
            Some(Entry::Group(group)) => group.add(message),
            _ => {
                by_key.insert(key.clone(), entries.len());
                entries.push(Entry::Group(Group::new(key, message)));
            }
        }
    }

    entries
        .into_iter()
        .map(|entry| match entry {
            Entry::Alone(message) => message,
            Entry::Group(group) => group.finish(),
        })
        .collect()
}

/// A place in the batch's output: a message that is never grouped, or a
/// group.
#[expect(
    clippy::large_enum_variant,
    reason = "entries live side by side in one vector; boxing either kind costs an allocation per message"
)]
enum Entry {
    Alone(Message),
    Group(Group),
}

/// The title with the count appended, cut so that the whole stays within
/// [`TITLE_MAX_CHARS`].
fn counted_title(title: &str, count: u32) -> String {
    let suffix = format!(" (×{count})");
    let room = TITLE_MAX_CHARS.saturating_sub(suffix.chars().count());

    if title.chars().count() <= room {
        return format!("{title}{suffix}");
    }

    let cut: String = title.chars().take(room.saturating_sub(1)).collect();
    format!("{cut}…{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use activity_aware::message::{
        Action, Actor, CONTRACT_VERSION, EventRef, Finding, Outcome, Severity,
    };

    fn denial(event_id: &str, time: &str, resource: &str) -> Message {
        Message {
            version: CONTRACT_VERSION,
            id: format!("id-{event_id}"),
            source: "cloudtrail".into(),
            title: "deployer was denied s3:GetObject".into(),
            severity: Severity::Medium,
            time: time.into(),
            account: Some("111122223333".into()),
            region: Some("eu-west-1".into()),
            event: EventRef {
                id: event_id.into(),
                event_type: Some("AwsApiCall".into()),
                request_id: None,
            },
            actor: Actor {
                identity_type: "AssumedRole".into(),
                name: "deployer".into(),
                arn: Some("arn:aws:sts::111122223333:assumed-role/deployer/ci".into()),
                account_id: None,
                principal_id: None,
                access_key_id: None,
                session_issuer: None,
                session_name: None,
                invoked_by: None,
                source_address: None,
                user_agent: None,
                mfa: None,
            },
            action: Action {
                service: Some("s3.amazonaws.com".into()),
                name: Some("GetObject".into()),
                iam_action: Some("s3:GetObject".into()),
                outcome: Outcome::Denied,
                error_code: Some("AccessDenied".into()),
                error_message: None,
                denial: None,
            },
            findings: vec![Finding {
                rule_id: "5177f808-af2e-4a7d-a1b5-f864ca982c78".into(),
                title: "Access denied or unauthorized operation".into(),
                severity: Severity::Medium,
                description: None,
                references: vec![],
            }],
            resources: vec![Resource {
                id: resource.into(),
                resource_type: Some("AWS::S3::Object".into()),
                account_id: None,
            }],
            details: vec![],
            links: vec![],
            occurrences: None,
        }
    }

    fn forty() -> Vec<Message> {
        (0..40)
            .map(|n| {
                denial(
                    &format!("event-{n:02}"),
                    &format!("2026-03-01T10:00:{n:02}Z"),
                    &format!("arn:aws:s3:::bucket/key-{n:02}"),
                )
            })
            .collect()
    }

    #[test]
    fn forty_denials_of_one_role_become_one_message() {
        let grouped = group(forty());

        assert_eq!(grouped.len(), 1);
        let message = &grouped[0];
        assert_eq!(message.title, "deployer was denied s3:GetObject (×40)");

        let occurrences = message.occurrences.as_ref().unwrap();
        assert_eq!(occurrences.count, 40);
        assert_eq!(occurrences.first_time, "2026-03-01T10:00:00Z");
        assert_eq!(occurrences.last_time, "2026-03-01T10:00:39Z");
        assert_eq!(occurrences.event_ids.len(), Occurrences::MAX_EVENT_IDS);
        assert_eq!(occurrences.event_ids[0], "event-00");
        assert_eq!(occurrences.event_ids[19], "event-19");

        assert_eq!(message.resources.len(), MAX_RESOURCES);
        assert_eq!(message.resources[19].id, "arn:aws:s3:::bucket/key-19");
        assert_eq!(
            message.details,
            vec![Detail::new(MORE_RESOURCES_LABEL, "20 more not listed")]
        );
    }

    #[test]
    fn the_group_id_is_stable_and_differs_from_the_first_event_id() {
        let first = group(forty());
        let again = group(forty());

        assert_eq!(first[0].id, again[0].id);
        assert_eq!(first[0].id.len(), 32);
        assert_ne!(first[0].id, "id-event-00");

        let mut later = forty();
        later.remove(0);
        assert_ne!(group(later)[0].id, first[0].id);
    }

    #[test]
    fn different_actors_actions_or_codes_stay_apart_in_first_appearance_order() {
        let mut other_actor = denial("b", "2026-03-01T10:00:01Z", "r");
        other_actor.actor.arn = Some("arn:aws:iam::111122223333:user/alice".into());

        let mut other_code = denial("c", "2026-03-01T10:00:02Z", "r");
        other_code.action.error_code = Some("AccessDeniedException".into());

        let mut no_findings = denial("d", "2026-03-01T10:00:03Z", "r");
        no_findings.findings.clear();

        let messages = vec![
            denial("a1", "2026-03-01T10:00:00Z", "r"),
            other_actor,
            no_findings.clone(),
            no_findings.clone(),
            denial("a2", "2026-03-01T10:00:04Z", "r"),
            other_code,
        ];

        let grouped = group(messages);
        let ids: Vec<&str> = grouped.iter().map(|m| m.event.id.as_str()).collect();
        assert_eq!(ids, ["a1", "b", "d", "d", "c"]);
        assert_eq!(grouped[0].occurrences.as_ref().unwrap().count, 2);
        assert_eq!(grouped[0].resources.len(), 1);
        assert_eq!(grouped[1].occurrences, None);
        assert_eq!(grouped[1].id, "id-b");
        assert_eq!(grouped[2], no_findings);
    }

    #[test]
    fn another_address_or_access_key_is_kept_apart() {
        let owner = denial("a1", "2026-03-01T10:00:05Z", "r");
        let mut elsewhere = denial("a2", "2026-03-01T10:00:01Z", "r");
        elsewhere.actor.source_address = Some("203.0.113.66".into());
        let mut other_key = denial("a3", "2026-03-01T10:00:02Z", "r");
        other_key.actor.access_key_id = Some("AKIAOTHERKEY00000000".into());
        let again = denial("a4", "2026-03-01T10:00:00Z", "r");

        let grouped = group(vec![owner, elsewhere, other_key, again]);

        let ids: Vec<&str> = grouped.iter().map(|m| m.event.id.as_str()).collect();
        assert_eq!(ids, ["a1", "a2", "a3"]);
        let first = grouped[0].occurrences.as_ref().unwrap();
        assert_eq!(first.count, 2);
        assert_eq!(first.first_time, "2026-03-01T10:00:00Z");
        assert_eq!(
            grouped[0].time, "2026-03-01T10:00:00Z",
            "a group's time is its first"
        );
    }

    #[test]
    fn a_long_title_is_cut_to_make_room_for_the_count() {
        let title = "x".repeat(TITLE_MAX_CHARS);
        let counted = counted_title(&title, 40);

        assert_eq!(counted.chars().count(), TITLE_MAX_CHARS);
        assert!(counted.ends_with("x… (×40)"), "{counted}");
    }
}
