//! Hearth's desktop shell: finds the store, opens it, and shows the Svelte UI in a Tauri
//! window whose commands call `hearth::api`. It owns start-up (arguments, environment,
//! display check) and the IPC boundary; it computes nothing and never touches SQL.

// A release build on Windows must not open a console window next to the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod launch;

use std::process::ExitCode;

fn main() -> ExitCode {
    // SAFETY: first thing in `main`: no other thread exists yet (Tauri and its plugins start
    // theirs later), and no store is open.
    unsafe { hearth::api::configure_sqlite_for_process() };
    hearth::api::configure_allocator_for_process();
    let options = match launch::parse_args(std::env::args_os().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    if options.help {
        println!("{}", launch::USAGE);
        return ExitCode::SUCCESS;
    }
    // GTK panics without a display; one plain line is more use to a person than a backtrace.
    if let Some(message) = launch::missing_display(std::env::var_os("DISPLAY"), std::env::var_os("WAYLAND_DISPLAY")) {
        eprintln!("{message}");
        return ExitCode::from(1);
    }
    let store_path = match launch::store_path(options.db, std::env::var_os("HEARTH_DB"), hearth::api::platform_data_dir()) {
        Ok(path) => path,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(1);
        }
    };
    let outcome = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        // The store opens once the window is up: a long migration shows its progress there,
        // and a store that cannot be opened still gets a window that says why and what to do.
        .manage(commands::StoreState::new(store_path))
        .manage(commands::ImportState::default())
        .setup(|app| {
            // Then the groups' analytics are computed ahead, so the first screens find them ready.
            commands::open_in_background(app.handle());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::store_upgrade,
            commands::list_groups,
            commands::dashboard,
            commands::ensure_demo,
            commands::archive_channels,
            commands::archive_page,
            commands::archive_page_at_message,
            commands::archive_thread,
            commands::search_messages,
            commands::import_formats,
            commands::detect_format,
            commands::import_archive,
            commands::cancel_import,
            commands::index_build,
            commands::overview_row,
            commands::health_trend,
            commands::heatmap,
            commands::computer_timezone,
            commands::heatmap_members,
            commands::members_table,
            commands::member_profile,
            commands::add_member_note,
            commands::update_member_note,
            commands::delete_member_note,
            commands::write_csv_file,
            commands::default_save_path,
            commands::churn_warnings,
            commands::churn_backtest,
            commands::act_on_warning,
            commands::review_flags,
            commands::review_flag,
            commands::undo_review,
            commands::flag_messages,
            commands::decisions_log,
            commands::group_settings,
            commands::preview_settings,
            commands::save_settings,
            commands::reset_settings,
            commands::app_settings,
            commands::set_store_message_text,
            commands::stored_text,
            commands::erase_message_text,
        ])
        .run(tauri::generate_context!());
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hearth: the window could not start: {error}");
            ExitCode::from(1)
        }
    }
}
