//! Settings that persist across runs (eframe storage), kept apart from
//! runtime state: recent files, theme, flamegraph orientation.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Key under which [`Settings`] are stored.
pub const STORAGE_KEY: &str = "firesight.settings";

/// How many recent files are remembered.
pub const MAX_RECENT: usize = 10;

/// Colour theme.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ThemeChoice {
    /// Follow the system. Default.
    #[default]
    System,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

impl ThemeChoice {
    /// Every choice, in menu order.
    pub const ALL: [Self; 3] = [Self::System, Self::Light, Self::Dark];

    /// Menu label.
    pub fn label(self) -> &'static str {
        match self {
            Self::System => "Follow system",
            Self::Light => "Light",
            Self::Dark => "Dark",
        }
    }

    /// The egui preference.
    pub fn preference(self) -> egui::ThemePreference {
        match self {
            Self::System => egui::ThemePreference::System,
            Self::Light => egui::ThemePreference::Light,
            Self::Dark => egui::ThemePreference::Dark,
        }
    }
}

/// Where the root of the flamegraph is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Orientation {
    /// Root at the top, callees below (icicle). Default.
    #[default]
    Icicle,
    /// Root at the bottom, callees above (classic flame graph).
    Flame,
}

impl Orientation {
    /// Menu label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Icicle => "Icicle (root at top)",
            Self::Flame => "Flame (root at bottom)",
        }
    }
}

/// Everything that persists.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Recently opened files, newest first, at most [`MAX_RECENT`].
    pub recent: Vec<PathBuf>,
    /// Colour theme. Default: follow the system.
    pub theme: ThemeChoice,
    /// Flamegraph orientation. Default: icicle.
    pub orientation: Orientation,
    /// Folders the source view searches for source files (View ▸ Source folders…).
    pub source_dirs: Vec<PathBuf>,
}

impl Settings {
    /// Puts `path` first in the recent list, without duplicates.
    pub fn remember(&mut self, path: PathBuf) {
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path);
        self.recent.truncate(MAX_RECENT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_files_are_newest_first_and_unique() {
        let mut s = Settings::default();
        for i in 0..12 {
            s.remember(PathBuf::from(format!("/p/{i}")));
        }
        s.remember(PathBuf::from("/p/5"));
        assert_eq!(s.recent.len(), MAX_RECENT);
        assert_eq!(s.recent[0], PathBuf::from("/p/5"));
        assert_eq!(s.recent.iter().filter(|p| p.ends_with("5")).count(), 1);
    }
}
