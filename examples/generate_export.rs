//! Writes a large synthetic export for the import benchmark (`make bench`), in the
//! platforms' real formats: Telegram Desktop `result.json`, a DiscordChatExporter JSON
//! file, or an unpacked Slack workspace export. The files are generated, never committed.
//!
//! Usage: generate_export (telegram|discord|slack) MESSAGES OUT_PATH

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

/// xorshift64*: a tiny deterministic generator, enough for benchmark data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

const WORDS: &[&str] = &[
    "build", "cache", "release", "thanks", "question", "deploy", "error", "works", "today", "meeting", "docs", "plugin", "构建", "发布",
    "文档", "问题", "谢谢", "again", "version", "config",
];
const START: u64 = 1_672_531_200; // 2023-01-01 00:00 UTC
const MEMBERS: u64 = 20_000;

fn sentence(rng: &mut Rng) -> String {
    let words = 3 + rng.below(12);
    let mut text = String::new();
    for index in 0..words {
        if index > 0 {
            text.push(' ');
        }
        text.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
    }
    if rng.below(5) == 0 {
        text.push('?');
    }
    text
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("strings serialise")
}

fn iso(seconds: u64) -> String {
    chrono::DateTime::from_timestamp(seconds as i64, 0).expect("in range").format("%Y-%m-%dT%H:%M:%S").to_string()
}

fn telegram(messages: u64, out: &Path) -> std::io::Result<()> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut file = BufWriter::new(File::create(out)?);
    writeln!(file, "{{\n \"name\": \"Benchmark group\",\n \"type\": \"private_supergroup\",\n \"id\": 1234567890,\n \"messages\": [")?;
    let mut at = START;
    for id in 1..=messages {
        at += rng.below(40);
        let member = rng.below(MEMBERS);
        if id > 1 {
            writeln!(file, ",")?;
        }
        if rng.below(200) == 0 {
            write!(
                file,
                "  {{\"id\": {id}, \"type\": \"service\", \"date\": \"{}\", \"date_unixtime\": \"{at}\", \"actor\": \"Member {member}\", \"actor_id\": \"user{member}\", \"action\": \"join_group_by_link\", \"inviter\": \"Group\", \"text\": \"\", \"text_entities\": []}}",
                iso(at)
            )?;
            continue;
        }
        let text = sentence(&mut rng);
        let reply =
            if id > 10 && rng.below(3) == 0 { format!(", \"reply_to_message_id\": {}", id - 1 - rng.below(9)) } else { String::new() };
        let reactions = if rng.below(6) == 0 {
            let who = rng.below(MEMBERS);
            format!(
                ", \"reactions\": [{{\"type\": \"emoji\", \"count\": 1, \"emoji\": \"👍\", \"recent\": [{{\"from\": \"Member {who}\", \"from_id\": \"user{who}\", \"date\": \"{}\"}}]}}]",
                iso(at + 60)
            )
        } else {
            String::new()
        };
        write!(
            file,
            "  {{\"id\": {id}, \"type\": \"message\", \"date\": \"{}\", \"date_unixtime\": \"{at}\", \"from\": \"Member {member}\", \"from_id\": \"user{member}\"{reply}, \"text\": {}, \"text_entities\": [{{\"type\": \"plain\", \"text\": {}}}]{reactions}}}",
            iso(at),
            json_string(&text),
            json_string(&text)
        )?;
    }
    writeln!(file, "\n ]\n}}")?;
    file.flush()
}

fn discord(messages: u64, out: &Path) -> std::io::Result<()> {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut file = BufWriter::new(File::create(out)?);
    writeln!(
        file,
        "{{\n  \"guild\": {{\"id\": \"900000000000000001\", \"name\": \"Benchmark server\", \"iconUrl\": \"\"}},\n  \"channel\": {{\"id\": \"900000000000000002\", \"type\": \"GuildTextChat\", \"categoryId\": \"900000000000000003\", \"category\": \"Text\", \"name\": \"general\", \"topic\": null}},\n  \"dateRange\": {{\"after\": null, \"before\": null}},\n  \"exportedAt\": \"2025-01-01T00:00:00+00:00\",\n  \"messages\": ["
    )?;
    let mut at = START;
    for index in 1..=messages {
        at += rng.below(40);
        let id = 1_000_000_000_000_000_000u64 + index;
        let member = rng.below(MEMBERS);
        if index > 1 {
            writeln!(file, ",")?;
        }
        let joins = rng.below(200) == 0;
        let (kind, content) = if joins { ("GuildMemberJoin", "Joined the server.".to_string()) } else { ("Default", sentence(&mut rng)) };
        let reference = if !joins && index > 10 && rng.below(3) == 0 {
            format!(
                ", \"reference\": {{\"messageId\": \"{}\", \"channelId\": \"900000000000000002\", \"guildId\": \"900000000000000001\"}}",
                id - 1 - rng.below(9)
            )
        } else {
            String::new()
        };
        let kind = if reference.is_empty() { kind } else { "Reply" };
        let reactions = if !joins && rng.below(6) == 0 {
            let who = rng.below(MEMBERS);
            format!("[{{\"emoji\": {{\"id\": \"\", \"name\": \"👍\", \"code\": \"thumbsup\", \"isAnimated\": false, \"imageUrl\": \"\"}}, \"count\": 1, \"users\": [{{\"id\": \"{}\", \"name\": \"member{who}\", \"discriminator\": \"0000\", \"nickname\": \"Member {who}\", \"isBot\": false, \"avatarUrl\": \"\"}}]}}]", 800_000_000_000_000_000u64 + who)
        } else {
            "[]".to_string()
        };
        write!(
            file,
            "    {{\"id\": \"{id}\", \"type\": \"{kind}\", \"timestamp\": \"{}+00:00\", \"timestampEdited\": null, \"callEndedTimestamp\": null, \"isPinned\": false, \"content\": {}, \"author\": {{\"id\": \"{}\", \"name\": \"member{member}\", \"discriminator\": \"0000\", \"nickname\": \"Member {member}\", \"color\": null, \"isBot\": false, \"roles\": [], \"avatarUrl\": \"\"}}, \"attachments\": [], \"embeds\": [], \"stickers\": [], \"reactions\": {reactions}, \"mentions\": []{reference}}}",
            iso(at),
            json_string(&content),
            800_000_000_000_000_000u64 + member
        )?;
    }
    writeln!(file, "\n  ],\n  \"messageCount\": {messages}\n}}")?;
    file.flush()
}

fn slack(messages: u64, out: &Path) -> std::io::Result<()> {
    let mut rng = Rng(0x94D0_49BB_1331_11EB);
    fs::create_dir_all(out)?;
    let channels = ["general", "help", "random", "dev"];
    let mut channels_json = Vec::new();
    for (index, name) in channels.iter().enumerate() {
        channels_json.push(format!(
            "{{\"id\": \"C0000000{index}\", \"name\": \"{name}\", \"created\": {START}, \"creator\": \"U00000000\", \"is_archived\": false, \"is_general\": {}, \"members\": [], \"topic\": {{\"value\": \"\", \"creator\": \"\", \"last_set\": 0}}, \"purpose\": {{\"value\": \"\", \"creator\": \"\", \"last_set\": 0}}}}",
            index == 0
        ));
    }
    fs::write(out.join("channels.json"), format!("[{}]", channels_json.join(",\n")))?;
    let mut users = BufWriter::new(File::create(out.join("users.json"))?);
    write!(users, "[")?;
    for member in 0..MEMBERS {
        if member > 0 {
            writeln!(users, ",")?;
        }
        write!(users, "{{\"id\": \"U{member:08}\", \"team_id\": \"T00000001\", \"name\": \"member{member}\", \"deleted\": false, \"real_name\": \"Member {member}\", \"is_bot\": false, \"profile\": {{\"real_name\": \"Member {member}\", \"display_name\": \"member{member}\"}}}}")?;
    }
    writeln!(users, "]")?;
    users.flush()?;
    // Messages go round-robin over the channels, one file per channel and UTC day.
    let per_channel = messages / channels.len() as u64;
    for (index, name) in channels.iter().enumerate() {
        let folder = out.join(name);
        fs::create_dir_all(&folder)?;
        let mut at = START;
        let mut day_file: Option<(String, BufWriter<File>, bool)> = None;
        let mut recent: Vec<String> = Vec::new();
        let count = if index == 0 { messages - per_channel * (channels.len() as u64 - 1) } else { per_channel };
        for _ in 0..count {
            at += 1 + rng.below(150);
            let day = chrono::DateTime::from_timestamp(at as i64, 0).expect("in range").format("%Y-%m-%d").to_string();
            if day_file.as_ref().is_none_or(|(current, _, _)| *current != day) {
                if let Some((_, mut file, _)) = day_file.take() {
                    writeln!(file, "\n]")?;
                    file.flush()?;
                }
                let mut file = BufWriter::new(File::create(folder.join(format!("{day}.json")))?);
                writeln!(file, "[")?;
                day_file = Some((day, file, true));
            }
            let (_, file, first) = day_file.as_mut().expect("a day file is open");
            if !*first {
                writeln!(file, ",")?;
            }
            *first = false;
            let ts = format!("{at}.{:06}", rng.below(1_000_000));
            let member = rng.below(MEMBERS);
            let thread = if !recent.is_empty() && rng.below(3) == 0 {
                let parent = &recent[rng.below(recent.len() as u64) as usize];
                format!(", \"thread_ts\": \"{parent}\", \"parent_user_id\": \"U00000000\"")
            } else {
                String::new()
            };
            let reactions = if rng.below(6) == 0 {
                format!(", \"reactions\": [{{\"name\": \"+1\", \"users\": [\"U{:08}\"], \"count\": 1}}]", rng.below(MEMBERS))
            } else {
                String::new()
            };
            write!(
                file,
                "  {{\"type\": \"message\", \"user\": \"U{member:08}\", \"text\": {}, \"ts\": \"{ts}\", \"team\": \"T00000001\"{thread}{reactions}}}",
                json_string(&sentence(&mut rng))
            )?;
            if thread.is_empty() {
                recent.push(ts);
                if recent.len() > 20 {
                    recent.remove(0);
                }
            }
        }
        if let Some((_, mut file, _)) = day_file.take() {
            writeln!(file, "\n]")?;
            file.flush()?;
        }
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: generate_export (telegram|discord|slack) MESSAGES OUT_PATH";
    let [_, format, messages, out] = args.as_slice() else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let messages: u64 = messages.parse().unwrap_or_else(|_| {
        eprintln!("{usage}");
        std::process::exit(2)
    });
    let out = Path::new(out);
    match format.as_str() {
        "telegram" => telegram(messages, out),
        "discord" => discord(messages, out),
        "slack" => slack(messages, out),
        _ => {
            eprintln!("{usage}");
            std::process::exit(2)
        }
    }
}
