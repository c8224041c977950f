//! Start-up decisions made before any window exists: the command line, which store to
//! open, and whether there is a display at all. Pure functions of what `main` read from
//! the process, so they are tested without touching the real environment.

use std::ffi::OsString;
use std::path::PathBuf;

pub const USAGE: &str = "usage: hearth-desktop [--db PATH]";

#[derive(Debug, Default, PartialEq)]
pub struct Options {
    /// The store given with `--db`, if any.
    pub db: Option<PathBuf>,
    /// `--help`: print the usage and stop.
    pub help: bool,
}

pub fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        if text == "--db" {
            let path = args.next().ok_or_else(|| format!("hearth: --db needs a path to the store file; {USAGE}"))?;
            options.db = Some(PathBuf::from(path));
        } else if let Some(path) = text.strip_prefix("--db=") {
            options.db = Some(PathBuf::from(path));
        } else if text == "--help" || text == "-h" {
            options.help = true;
        } else {
            return Err(format!("hearth: unexpected argument {text:?}; {USAGE}"));
        }
    }
    Ok(options)
}

/// The store the app opens: `--db`, else `HEARTH_DB`, else the platform's default, the same
/// file the CLI uses, so both see the same communities.
pub fn store_path(db_arg: Option<PathBuf>, env_db: Option<OsString>, data_dir: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(path) = db_arg {
        return Ok(path);
    }
    if let Some(path) = env_db.filter(|path| !path.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    data_dir.map(|dir| hearth::api::default_store_path(&dir)).ok_or_else(|| {
        "hearth: cannot find your data folder (is HOME set?); pass --db PATH or set HEARTH_DB to choose the store".to_string()
    })
}

/// The one-line explanation to print when Linux has no display to open a window on.
pub fn missing_display(display: Option<OsString>, wayland_display: Option<OsString>) -> Option<String> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let set = |value: &Option<OsString>| value.as_ref().is_some_and(|value| !value.is_empty());
    if set(&display) || set(&wayland_display) {
        return None;
    }
    Some("hearth: no display found (DISPLAY is not set); run it under a desktop session or with: xvfb-run make run".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn db_argument_is_read_in_both_spellings() {
        assert_eq!(parse_args(args(&["--db", "a.sqlite"])).unwrap().db, Some(PathBuf::from("a.sqlite")));
        assert_eq!(parse_args(args(&["--db=b.sqlite"])).unwrap().db, Some(PathBuf::from("b.sqlite")));
        assert_eq!(parse_args(args(&[])).unwrap(), Options::default());
        assert!(parse_args(args(&["--help"])).unwrap().help);
    }

    #[test]
    fn unknown_or_incomplete_arguments_are_refused_with_usage() {
        assert!(parse_args(args(&["--db"])).unwrap_err().contains(USAGE));
        assert!(parse_args(args(&["--verbose"])).unwrap_err().contains("unexpected argument"));
    }

    #[test]
    fn db_argument_wins_over_environment_which_wins_over_default() {
        let data_dir = Some(PathBuf::from("data"));
        let from_arg = store_path(Some("arg.sqlite".into()), Some("env.sqlite".into()), data_dir.clone());
        assert_eq!(from_arg.unwrap(), PathBuf::from("arg.sqlite"));
        let from_env = store_path(None, Some("env.sqlite".into()), data_dir.clone());
        assert_eq!(from_env.unwrap(), PathBuf::from("env.sqlite"));
        let empty_env = store_path(None, Some("".into()), data_dir.clone());
        assert_eq!(empty_env.unwrap(), hearth::api::default_store_path(&PathBuf::from("data")));
        assert!(store_path(None, None, None).unwrap_err().contains("--db"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn missing_display_is_one_line_naming_xvfb_run() {
        let message = missing_display(None, Some("".into())).unwrap();
        assert!(!message.contains('\n'));
        assert!(message.contains("xvfb-run make run"));
        assert_eq!(missing_display(Some(":99".into()), None), None);
        assert_eq!(missing_display(None, Some("wayland-0".into())), None);
    }
}
