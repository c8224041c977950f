//! The demo community: a deterministic simulation of a bilingual open-source community
//! over 14 months, written into the store as an ordinary group (platform `demo`) together
//! with its own ground truth (each member's persona and when it churned), so that churn
//! warnings can be backtested against what really happened.
//!
//! What it contains, on purpose: founders and a small core that answers most questions,
//! regulars, occasional posters and lurkers; waves of newcomers, some welcomed within
//! minutes and some never answered (those mostly fade away); core members who drift away
//! in the second half; a holiday lull, a ten-day silent stretch and a spam flood; bots
//! that post announcements and welcome messages.

mod rng;
mod text;

use std::collections::BTreeSet;

use rng::Rng;

use crate::api::DemoSummary;
use crate::model::{ActivityKind, Platform, Progress, ProgressSink, UnixSeconds, DAY};
use crate::store::{NewActivity, NewGroup, NewMember, Store, StoreError};

/// 2025-09-01 00:00 UTC, a Monday.
pub const START: UnixSeconds = 1_756_684_800;
/// 14 months of days: 2025-09-01 to 2026-10-31.
pub const DAYS: i64 = 426;
pub const MONTHS: u64 = 14;
pub const GROUP_PLATFORM_ID: &str = "demo";
pub const GROUP_NAME: &str = "Makers Guild (demo)";

const CHANNELS: &[(&str, &str)] = &[
    ("general", "general"),
    ("help", "help"),
    ("introductions", "introductions"),
    ("show-and-tell", "show-and-tell"),
    ("random", "random"),
    ("announcements", "announcements"),
    ("zh", "中文交流"),
];
const GENERAL: usize = 0;
const HELP: usize = 1;
const INTRODUCTIONS: usize = 2;
const ANNOUNCEMENTS: usize = 5;
const CHINESE: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Persona {
    Core,
    CoreDrifting,
    Regular,
    Occasional,
    Fading,
    Lurker,
    Spammer,
    Bot,
}

impl Persona {
    fn name(self) -> &'static str {
        match self {
            Persona::Core => "core",
            Persona::CoreDrifting => "core_drifting",
            Persona::Regular => "regular",
            Persona::Occasional => "occasional",
            Persona::Fading => "fading_newcomer",
            Persona::Lurker => "lurker",
            Persona::Spammer => "spammer",
            Persona::Bot => "bot",
        }
    }

    /// Chance of posting on an ordinary day, and posts on such a day.
    fn rhythm(self) -> (f64, f64) {
        match self {
            Persona::Core | Persona::CoreDrifting => (0.8, 11.0),
            Persona::Regular => (0.5, 5.6),
            Persona::Occasional => (0.09, 2.2),
            Persona::Fading => (0.22, 1.6),
            Persona::Lurker | Persona::Spammer | Persona::Bot => (0.0, 0.0),
        }
    }

    /// Share of a member's posts that start a thread rather than reply.
    fn start_share(self) -> f64 {
        match self {
            Persona::Core | Persona::CoreDrifting => 0.18,
            Persona::Regular => 0.35,
            _ => 0.6,
        }
    }

    /// Mean minutes before this member answers a thread.
    fn answer_minutes(self) -> f64 {
        match self {
            Persona::Core | Persona::CoreDrifting => 9.0,
            Persona::Regular => 40.0,
            _ => 110.0,
        }
    }
}

struct SimMember {
    name: String,
    persona: Persona,
    join_at: UnixSeconds,
    /// Individual activity multiplier (some people are simply more talkative).
    rate: f64,
    /// From this day the member fades out linearly until `churn_day`.
    fade_from: Option<i64>,
    /// The first day without any activity, for members who churn.
    churn_day: Option<i64>,
    /// Newcomers who post: the day of their introduction and whether anyone answers it.
    intro: Option<(i64, bool)>,
    is_bot: bool,
}

struct Event {
    id: u64,
    at: UnixSeconds,
    member: usize,
    channel: usize,
    kind: ActivityKind,
    parent: Option<u64>,
    text: Option<String>,
}

struct OpenThread {
    root: u64,
    starter: usize,
    last_at: UnixSeconds,
    channel: usize,
    is_question: bool,
    answerable: bool,
}

struct Simulation {
    rng: Rng,
    /// How many times the population of the standard demo (founders, regulars, newcomer
    /// arrivals); 1 is the demo every first start creates.
    scale: u32,
    members: Vec<SimMember>,
    events: Vec<Event>,
    next_id: u64,
    reacted: BTreeSet<(u64, usize, usize)>,
}

fn day_start(day: i64) -> UnixSeconds {
    START + day * DAY
}

/// How busy the community is on a day: weekends, the year-end holidays, a ten-day silent
/// stretch (a platform outage in late June), and slow growth over the year.
fn busyness(day: i64) -> f64 {
    let weekday = day.rem_euclid(7); // 0 = Monday
    let weekly = match weekday {
        5 => 0.55,
        6 => 0.6,
        _ => 1.0,
    };
    let season = match day {
        112..=125 => 0.3,  // 2025-12-22 .. 2026-01-04
        296..=305 => 0.04, // 2026-06-24 .. 2026-07-03
        _ => 1.0,
    };
    weekly * season * (0.8 + 0.45 * day as f64 / DAYS as f64)
}

/// Newcomer waves (a conference talk, a release, a blog post) and how well each was
/// welcomed: the chance that a newcomer's first message gets an answer.
fn arrivals(day: i64) -> (f64, f64) {
    const WAVES: &[(i64, f64, f64)] =
        &[(28, 22.0, 0.9), (95, 18.0, 0.85), (180, 26.0, 0.3), (262, 16.0, 0.85), (345, 24.0, 0.35), (400, 14.0, 0.9)];
    for &(start, per_day, welcome) in WAVES {
        if (start..start + 6).contains(&day) {
            return (per_day, welcome);
        }
    }
    let welcome = if (300..330).contains(&day) { 0.5 } else { 0.8 };
    (2.1, welcome)
}

impl Simulation {
    fn new(seed: u64, scale: u32) -> Simulation {
        Simulation { rng: Rng::new(seed), scale, members: Vec::new(), events: Vec::new(), next_id: 1, reacted: BTreeSet::new() }
    }

    fn add_member(&mut self, persona: Persona, join_at: UnixSeconds) -> usize {
        let index = self.members.len();
        let name = text::member_name(&mut self.rng, index);
        let rate = self.rng.lognormal(0.35);
        self.members.push(SimMember {
            name,
            persona,
            join_at,
            rate,
            fade_from: None,
            churn_day: None,
            intro: None,
            is_bot: persona == Persona::Bot,
        });
        self.push(join_at, index, GENERAL, ActivityKind::Join, None, None);
        index
    }

    fn push(
        &mut self,
        at: UnixSeconds,
        member: usize,
        channel: usize,
        kind: ActivityKind,
        parent: Option<u64>,
        text: Option<String>,
    ) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.events.push(Event { id, at, member, channel, kind, parent, text });
        id
    }

    /// A churn plan: with `probability`, the member stops on a day after `earliest`, fading
    /// over the three weeks before.
    fn plan_churn(&mut self, member: usize, probability: f64, earliest: i64) {
        if self.rng.chance(probability) {
            let churn_day = self.rng.range(earliest, DAYS + 90);
            if churn_day < DAYS {
                self.members[member].churn_day = Some(churn_day);
                self.members[member].fade_from = Some(churn_day - 21);
            }
        }
    }

    fn time_of_day(&mut self, day: i64) -> UnixSeconds {
        // Two peaks: Chinese working hours (about 02:00 UTC) and European/American
        // afternoons (about 14:00 UTC).
        let centre = if self.rng.chance(0.4) { 2.5 } else { 14.5 };
        let hour = (centre + self.rng.exponential(2.5) * if self.rng.chance(0.5) { 1.0 } else { -1.0 }).rem_euclid(24.0);
        day_start(day) + (hour * 3600.0) as i64
    }

    fn founders(&mut self) {
        for index in 0..14 * self.scale as usize {
            // Each block of 14 founders has 10 who stay and 4 who drift away.
            let index = index % 14;
            let persona = if index < 10 { Persona::Core } else { Persona::CoreDrifting };
            let at = day_start(self.rng.range(0, 4)) + self.rng.range(8 * 3600, 20 * 3600);
            let member = self.add_member(persona, at);
            self.members[member].rate = 0.85 + 0.3 * self.rng.unit();
            if persona == Persona::CoreDrifting {
                let drift = [190, 238, 287, 352][index - 10];
                self.members[member].fade_from = Some(drift);
                self.members[member].churn_day = Some(drift + 42);
            }
        }
        for _ in 0..40 * self.scale {
            let at = day_start(self.rng.range(0, 10)) + self.rng.range(6 * 3600, 22 * 3600);
            let member = self.add_member(Persona::Regular, at);
            self.plan_churn(member, 0.3, 60);
        }
        self.add_member(Persona::Bot, START);
        self.add_member(Persona::Bot, START);
        let bots = self.members.len();
        self.members[bots - 2].name = "Hearth Bot".into();
        self.members[bots - 1].name = "WelcomeBot".into();
    }

    fn welcome_bot(&self) -> usize {
        self.members.iter().position(|member| member.name == "WelcomeBot").expect("the welcome bot is a founder")
    }

    fn arrive(&mut self, day: i64) {
        let (per_day, welcome) = arrivals(day);
        let count = self.rng.poisson(per_day * f64::from(self.scale) * (0.7 + 0.6 * busyness(day).min(1.0)));
        for _ in 0..count {
            let at = self.time_of_day(day);
            let posts = self.rng.chance(0.47);
            let member = self.add_member(if posts { Persona::Occasional } else { Persona::Lurker }, at);
            let welcome_bot = self.welcome_bot();
            let greeting = format!("Welcome, {}! Say hi in #introductions.", self.members[member].name);
            self.push(at + 4, welcome_bot, GENERAL, ActivityKind::Message, None, Some(greeting));
            if !posts {
                self.plan_churn(member, 0.5, day + 14);
                continue;
            }
            let answered = self.rng.chance(welcome);
            let intro_day = day + self.rng.range(0, 2);
            self.members[member].intro = Some((intro_day, answered));
            let draw = self.rng.unit();
            let (regular, occasional) = if answered { (0.16, 0.5) } else { (0.03, 0.2) };
            let persona = if draw < regular {
                Persona::Regular
            } else if draw < regular + occasional {
                Persona::Occasional
            } else {
                Persona::Fading
            };
            self.members[member].persona = persona;
            match persona {
                Persona::Regular => self.plan_churn(member, 0.3, day + 45),
                Persona::Occasional => self.plan_churn(member, 0.45, day + 30),
                _ => {
                    let churn_day = day + self.rng.range(8, 42);
                    self.members[member].churn_day = Some(churn_day);
                    self.members[member].fade_from = Some(churn_day - 7);
                }
            }
        }
    }

    fn alive(&self, member: usize, day: i64) -> f64 {
        let member = &self.members[member];
        let joined = (member.join_at - START).div_euclid(DAY);
        if day < joined || member.churn_day.is_some_and(|churn| day >= churn) {
            return 0.0;
        }
        match (member.fade_from, member.churn_day) {
            (Some(from), Some(churn)) if day >= from => (churn - day) as f64 / (churn - from).max(1) as f64,
            _ => 1.0,
        }
    }

    fn simulate_day(&mut self, day: i64) {
        self.arrive(day);
        let busy = busyness(day);
        let mut active: Vec<usize> = Vec::new();
        let mut reactors: Vec<usize> = Vec::new();
        for member in 0..self.members.len() {
            let alive = self.alive(member, day);
            if alive <= 0.0 || self.members[member].is_bot {
                continue;
            }
            let persona = self.members[member].persona;
            if persona == Persona::Lurker {
                if self.rng.chance(0.035 * busy * alive) {
                    reactors.push(member);
                }
                continue;
            }
            let (chance, _) = persona.rhythm();
            let intro_today = self.members[member].intro.is_some_and(|(intro_day, _)| intro_day == day);
            if intro_today || self.rng.chance((chance * self.members[member].rate * busy * alive).min(0.98)) {
                active.push(member);
                reactors.push(member);
            }
        }

        // Hearth Bot's weekly announcement, Mondays 09:00 UTC.
        if day % 7 == 0 {
            let bot = self.members.iter().position(|member| member.name == "Hearth Bot").expect("founder bot");
            self.push(
                day_start(day) + 9 * 3600,
                bot,
                ANNOUNCEMENTS,
                ActivityKind::Message,
                None,
                Some("Weekly digest: new releases, meetups and good first issues.".into()),
            );
        }

        let mut threads: Vec<OpenThread> = Vec::new();
        let mut reply_slots: Vec<usize> = Vec::new();
        let mut day_posts: Vec<(u64, usize, UnixSeconds)> = Vec::new();
        for &member in &active {
            let persona = self.members[member].persona;
            if let Some((intro_day, answered)) = self.members[member].intro.filter(|(intro_day, _)| *intro_day == day) {
                let _ = intro_day;
                let at = self.time_of_day(day);
                let text = text::introduction(&mut self.rng);
                let root = self.push(at, member, INTRODUCTIONS, ActivityKind::Message, None, Some(text));
                day_posts.push((root, member, at));
                threads.push(OpenThread {
                    root,
                    starter: member,
                    last_at: at,
                    channel: INTRODUCTIONS,
                    is_question: true,
                    answerable: answered,
                });
                if answered {
                    self.welcome(root, member, at, day, &active, &mut day_posts);
                }
                continue;
            }
            let (_, posts) = persona.rhythm();
            let count = 1 + self.rng.poisson((posts * self.members[member].rate - 1.0).max(0.0));
            for _ in 0..count {
                if self.rng.chance(persona.start_share()) {
                    let at = self.time_of_day(day);
                    let is_question = self.rng.chance(if matches!(persona, Persona::Core | Persona::CoreDrifting) { 0.15 } else { 0.5 });
                    let text = if is_question { text::question(&mut self.rng) } else { text::chat(&mut self.rng) };
                    let chinese = text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
                    let channel = if chinese && self.rng.chance(0.6) {
                        CHINESE
                    } else if is_question {
                        HELP
                    } else {
                        *self.rng.pick(&[GENERAL, 3, 4])
                    };
                    let root = self.push(at, member, channel, ActivityKind::Message, None, Some(text));
                    day_posts.push((root, member, at));
                    threads.push(OpenThread { root, starter: member, last_at: at, channel, is_question, answerable: true });
                } else {
                    reply_slots.push(member);
                }
            }
        }

        // Replies go to today's answerable threads, questions first, never to one's own.
        for member in reply_slots {
            let candidates: Vec<usize> =
                (0..threads.len()).filter(|&thread| threads[thread].answerable && threads[thread].starter != member).collect();
            if candidates.is_empty() {
                let at = self.time_of_day(day);
                let text = text::chat(&mut self.rng);
                let id = self.push(at, member, 4, ActivityKind::Message, None, Some(text));
                day_posts.push((id, member, at));
                continue;
            }
            let questions: Vec<usize> = candidates.iter().copied().filter(|&thread| threads[thread].is_question).collect();
            let pool = if !questions.is_empty() && self.rng.chance(0.6) { &questions } else { &candidates };
            let thread = *self.rng.pick(pool);
            let delay = self.rng.exponential(self.members[member].persona.answer_minutes() * 60.0) as i64 + 20;
            let at = (threads[thread].last_at + delay).min(day_start(DAYS) - 1);
            let text = text::answer(&mut self.rng);
            let (root, channel) = (threads[thread].root, threads[thread].channel);
            let id = self.push(at, member, channel, ActivityKind::Reply, Some(root), Some(text));
            threads[thread].last_at = at;
            day_posts.push((id, member, at));
        }

        self.react(&day_posts, &reactors);
        if day == 205 {
            self.spam_flood(day);
        }
    }

    /// A newcomer's introduction answered by someone from the core or the regulars.
    fn welcome(
        &mut self,
        root: u64,
        newcomer: usize,
        at: UnixSeconds,
        day: i64,
        active: &[usize],
        day_posts: &mut Vec<(u64, usize, UnixSeconds)>,
    ) {
        let welcomers: Vec<usize> = active
            .iter()
            .copied()
            .filter(|&member| {
                member != newcomer && matches!(self.members[member].persona, Persona::Core | Persona::CoreDrifting | Persona::Regular)
            })
            .collect();
        let Some(&welcomer) = (!welcomers.is_empty()).then(|| self.rng.pick(&welcomers)) else { return };
        let delay = (self.rng.lognormal(1.0) * 600.0) as i64 + 30;
        let reply_at = (at + delay).min(day_start(day + 1) + 20 * 3600).min(day_start(DAYS) - 1);
        let text = if self.rng.chance(0.5) {
            "Welcome! The contributing guide is pinned in #help.".to_string()
        } else {
            "欢迎！新手任务在 #help 置顶里。".to_string()
        };
        let id = self.push(reply_at, welcomer, INTRODUCTIONS, ActivityKind::Reply, Some(root), Some(text));
        day_posts.push((id, welcomer, reply_at));
    }

    fn react(&mut self, day_posts: &[(u64, usize, UnixSeconds)], reactors: &[usize]) {
        if reactors.is_empty() {
            return;
        }
        for &(post, author, at) in day_posts {
            let mean = if matches!(self.members[author].persona, Persona::Core | Persona::CoreDrifting) { 0.9 } else { 0.55 };
            for _ in 0..self.rng.poisson(mean) {
                let reactor = *self.rng.pick(reactors);
                let emoji = self.rng.range(0, text::EMOJI.len() as i64) as usize;
                if reactor == author || !self.reacted.insert((post, reactor, emoji)) {
                    continue;
                }
                let reaction_at = (at + self.rng.exponential(1800.0) as i64 + 5).min(day_start(DAYS) - 1);
                self.push(reaction_at, reactor, GENERAL, ActivityKind::Reaction, Some(post), Some(text::EMOJI[emoji].to_string()));
            }
        }
    }

    /// Six spam accounts join within two minutes, flood #general with the same text and
    /// a burst of seven messages in one second each, and are removed 40 minutes later.
    fn spam_flood(&mut self, day: i64) {
        let start = day_start(day) + 14 * 3600;
        for spammer in 0..6 {
            let joined = start + spammer * 20;
            let member = self.add_member(Persona::Spammer, joined);
            for repeat in 0..15 {
                self.push(joined + 30 + repeat * 15, member, GENERAL, ActivityKind::Message, None, Some(text::SPAM.into()));
            }
            for burst in 0..7 {
                self.push(joined + 300, member, GENERAL, ActivityKind::Message, None, Some(format!("{} #{burst}", text::SPAM)));
            }
            self.push(start + 40 * 60, member, GENERAL, ActivityKind::Leave, None, None);
            self.members[member].churn_day = Some(day + 1);
        }
    }

    /// Churned members sometimes leave the group explicitly.
    fn leaves(&mut self) {
        for member in 0..self.members.len() {
            let Some(churn_day) = self.members[member].churn_day else { continue };
            if self.members[member].persona == Persona::Spammer || !self.rng.chance(0.35) {
                continue;
            }
            let day = churn_day + self.rng.range(0, 20);
            if day < DAYS {
                let at = self.time_of_day(day);
                self.push(at, member, GENERAL, ActivityKind::Leave, None, None);
            }
        }
    }
}

/// Runs the simulation: the members and their activity in time order.
fn simulate(seed: u64, scale: u32, progress: ProgressSink<'_>) -> (Vec<SimMember>, Vec<Event>) {
    let mut simulation = Simulation::new(seed, scale);
    simulation.founders();
    for day in 0..DAYS {
        simulation.simulate_day(day);
        if day % 7 == 0 {
            progress(&Progress::items("Simulating the community", day as u64, Some(DAYS as u64)));
        }
    }
    simulation.leaves();
    let Simulation { members, mut events, .. } = simulation;
    events.retain(|event| event.at < day_start(DAYS));
    events.sort_by_key(|event| (event.at, event.id));
    (members, events)
}

/// Generates the demo community into the store, replacing an earlier demo group.
pub fn generate(store: &mut Store, seed: u64, now: UnixSeconds, progress: ProgressSink<'_>) -> Result<DemoSummary, StoreError> {
    generate_scaled(store, seed, 1, now, progress)
}

/// The demo community with `scale` times its population (and so about `scale` times its
/// messages), for measuring the app on a large group: scale 6 gives about a million
/// messages. Scale 1 is exactly [`generate`]'s community.
pub fn generate_scaled(
    store: &mut Store,
    seed: u64,
    scale: u32,
    now: UnixSeconds,
    progress: ProgressSink<'_>,
) -> Result<DemoSummary, StoreError> {
    let scale = scale.max(1);
    let (members, events) = simulate(seed, scale, progress);

    for group in store.groups()?.into_iter().filter(|group| group.platform == Platform::Demo && group.platform_id == GROUP_PLATFORM_ID) {
        store.delete_group(group.id)?;
    }
    let mut tx = store.begin_import()?;
    let name = if scale == 1 { GROUP_NAME.to_string() } else { format!("{GROUP_NAME} ×{scale}") };
    let group = tx.upsert_group(
        &NewGroup { platform: Platform::Demo, platform_id: GROUP_PLATFORM_ID, name: &name, is_archive: true, is_demo: true },
        now,
    )?;
    let mut channel_ids = Vec::new();
    for (platform_id, name) in CHANNELS {
        channel_ids.push(tx.upsert_channel(group, platform_id, name)?);
    }
    let mut member_ids = Vec::new();
    for (index, member) in members.iter().enumerate() {
        let platform_id = format!("u{index}");
        let id = tx.upsert_member(group, &NewMember { platform_id: &platform_id, display_name: &member.name, is_bot: member.is_bot })?;
        member_ids.push(id);
    }
    let total = events.len() as u64;
    for (written, event) in events.iter().enumerate() {
        // Zero-padded so that ids sort as they were made: the unique index then grows at
        // its end instead of splitting pages all over, which makes writing much faster.
        let platform_id = format!("{:08}", event.id);
        let parent = event.parent.map(|parent| format!("{parent:08}"));
        tx.insert_activity(
            group,
            &NewActivity {
                channel_id: channel_ids[event.channel],
                member_id: member_ids[event.member],
                platform_id: &platform_id,
                kind: event.kind,
                at: event.at,
                parent_platform_id: parent.as_deref(),
                text: event.text.as_deref(),
                raw_kind: None,
            },
        )?;
        if written % 10_000 == 0 {
            progress(&Progress::items("Writing the store", written as u64, Some(total)));
        }
    }
    let mut churned_members = 0;
    for (member, id) in members.iter().zip(&member_ids) {
        let churned_at = member.churn_day.filter(|&day| day < DAYS).map(day_start);
        churned_members += u64::from(churned_at.is_some());
        tx.record_demo_truth(*id, member.persona.name(), churned_at)?;
    }
    progress(&Progress::items("Indexing for search", total, Some(total)));
    let counts = tx.finish()?;
    // The demo is complete when it is made: the archive's and profiles' indexes too.
    store.build_missing_indexes(progress)?;
    progress(&Progress::items("Done", total, Some(total)));
    let group = store.group(group)?.expect("the demo group was just written");
    Ok(DemoSummary {
        group,
        members: counts.members,
        messages: counts.messages,
        reactions: counts.reactions,
        channels: counts.channels,
        months: MONTHS,
        churned_members,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posts(events: &[Event]) -> usize {
        events.iter().filter(|event| matches!(event.kind, ActivityKind::Message | ActivityKind::Reply)).count()
    }

    #[test]
    fn a_scaled_demo_has_about_scale_times_the_members_and_posts_with_the_same_story() {
        let (members, events) = simulate(7, 1, &mut |_| {});
        let (members3, events3) = simulate(7, 3, &mut |_| {});
        let ratio = |big: usize, small: usize| big as f64 / small as f64;
        let member_ratio = ratio(members3.len(), members.len());
        let post_ratio = ratio(posts(&events3), posts(&events));
        assert!((2.6..=3.4).contains(&member_ratio), "members: {} vs {}", members3.len(), members.len());
        assert!((2.6..=3.4).contains(&post_ratio), "posts: {} vs {}", posts(&events3), posts(&events));
        // Three times the founders (core members who stay and who drift), but still the
        // same two bots and the one spam flood of six accounts.
        let count = |members: &[SimMember], persona: Persona| members.iter().filter(|member| member.persona == persona).count();
        assert_eq!(count(&members3, Persona::Core), 3 * count(&members, Persona::Core));
        assert_eq!(count(&members3, Persona::CoreDrifting), 3 * count(&members, Persona::CoreDrifting));
        assert_eq!(count(&members3, Persona::Spammer), count(&members, Persona::Spammer));
        assert_eq!(count(&members3, Persona::Bot), 2);
        assert!(members3.iter().filter(|member| member.persona == Persona::CoreDrifting).all(|member| member.churn_day.is_some()));
    }
}
