//! Names and message texts for the demo community: a bilingual (English and Chinese)
//! open-source community, assembled from small phrase lists so that search and question
//! detection have something real to work on.

use super::rng::Rng;

const GIVEN: &[&str] = &[
    "Alice", "Bram", "Chen", "Dana", "Elif", "Felix", "Grace", "Hiro", "Ines", "Jonas", "Kai", "Lena", "Mateo", "Nadia", "Omar", "Priya",
    "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wen", "Xavier", "Yara", "Zoe", "Ana", "Ben", "Carla", "Dev",
];
const FAMILY: &[&str] =
    &["Chen", "Okafor", "Müller", "Silva", "Kowalski", "Nguyen", "Haddad", "Larsen", "Tanaka", "García", "Novak", "Rossi", "Singh", "Park"];
const ZH_FAMILY: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "朱"];
const ZH_GIVEN: &[&str] = &["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "平", "晨", "宇", "欣"];
const HANDLES: &[&str] = &["gopher", "rustacean", "pixel", "byte", "lambda", "vector", "kernel", "async", "cargo", "tensor"];

pub fn member_name(rng: &mut Rng, index: usize) -> String {
    match rng.range(0, 10) {
        0..=4 => format!("{} {}", rng.pick(GIVEN), rng.pick(FAMILY)),
        5..=7 => format!("{}{}{}", rng.pick(ZH_FAMILY), rng.pick(ZH_GIVEN), if rng.chance(0.5) { *rng.pick(ZH_GIVEN) } else { "" }),
        _ => format!("{}{}", rng.pick(HANDLES), index % 1000),
    }
}

const TOPICS: &[&str] = &[
    "the build cache",
    "async runtimes",
    "the plugin API",
    "cross-compiling for ARM",
    "the release notes",
    "code review",
    "the docs site",
    "CI on Windows",
    "memory usage",
    "the config format",
    "error messages",
    "the benchmark suite",
];
const ZH_TOPICS: &[&str] =
    &["构建缓存", "异步运行时", "插件接口", "交叉编译", "发布说明", "代码评审", "文档网站", "内存占用", "配置格式", "性能测试"];

pub fn question(rng: &mut Rng) -> String {
    let topic = rng.pick(TOPICS);
    let zh_topic = rng.pick(ZH_TOPICS);
    match rng.range(0, 7) {
        0 => format!("How do I configure {topic} for a monorepo?"),
        1 => format!("Anyone seen {topic} break after the last update?"),
        2 => format!("What is the recommended way to test {topic}?"),
        3 => format!("请问{zh_topic}应该怎么配置？"),
        4 => format!("有人遇到过{zh_topic}的问题吗？"),
        5 => format!("Is there a guide for {topic}? I could not find one"),
        _ => format!("Why does {topic} take so long on my machine?"),
    }
}

pub fn answer(rng: &mut Rng) -> String {
    let topic = rng.pick(TOPICS);
    let zh_topic = rng.pick(ZH_TOPICS);
    match rng.range(0, 7) {
        0 => format!("Try clearing {topic} first, that fixed it for me."),
        1 => format!("There is a section on {topic} in the handbook, second chapter."),
        2 => format!("可以先看看{zh_topic}的文档，里面有例子。"),
        3 => "Which version are you on? It changed in the last release.".to_string(),
        4 => format!("I opened an issue about {topic} last week, same symptoms."),
        5 => format!("我们组是这样用{zh_topic}的，没有问题。"),
        _ => "Thanks, that worked!".to_string(),
    }
}

pub fn chat(rng: &mut Rng) -> String {
    let topic = rng.pick(TOPICS);
    let zh_topic = rng.pick(ZH_TOPICS);
    match rng.range(0, 8) {
        0 => format!("Just shipped a small patch for {topic}."),
        1 => format!("Writing a blog post about {topic}, feedback welcome."),
        2 => "Good morning everyone ☀️".to_string(),
        3 => format!("今天把{zh_topic}升级了，速度快了不少。"),
        4 => format!("The meetup talk on {topic} is online now."),
        5 => "Great discussion today, thanks all.".to_string(),
        6 => format!("分享一个关于{zh_topic}的小技巧。"),
        _ => format!("Benchmarks for {topic} look much better this week."),
    }
}

pub fn introduction(rng: &mut Rng) -> String {
    match rng.range(0, 4) {
        0 => "Hi all, new here. How do I get started contributing?".to_string(),
        1 => "大家好，刚加入，请问新手从哪里开始？".to_string(),
        2 => "Hello! Where can I find good first issues?".to_string(),
        _ => "Hey, just joined after the conference talk. Any starter tasks?".to_string(),
    }
}

pub const SPAM: &str = "FREE crypto airdrop!!! claim now at the link in my profile";

pub const EMOJI: &[&str] = &["👍", "🎉", "❤️", "😂", "🚀", "👀", "🙏"];
