package preferences

import (
	"fmt"
	"strings"
)

// Language is one of the languages Lingo teaches and speaks. The zero value
// is not a language.
type Language int

const (
	English Language = iota + 1
	Spanish
	French
	German
	Italian
	Portuguese
	Dutch
	Swedish
	Polish
	Russian
	Turkish
	Arabic
	Hindi
	Japanese
	Korean
	Chinese
)

var languageCodes = [...]string{
	English: "en", Spanish: "es", French: "fr", German: "de", Italian: "it", Portuguese: "pt",
	Dutch: "nl", Swedish: "sv", Polish: "pl", Russian: "ru", Turkish: "tr", Arabic: "ar",
	Hindi: "hi", Japanese: "ja", Korean: "ko", Chinese: "zh",
}

// LanguageCodes lists the accepted codes in a fixed order, for messages and
// documentation.
func LanguageCodes() []string {
	out := make([]string, 0, len(languageCodes)-1)
	for _, c := range languageCodes[1:] {
		out = append(out, c)
	}
	return out
}

// ParseLanguage accepts the exact lower-case two-letter code ("en").
func ParseLanguage(s string) (Language, error) {
	for l := English; l <= Chinese; l++ {
		if languageCodes[l] == s {
			return l, nil
		}
	}
	return 0, fmt.Errorf("%q is not a supported language", s)
}

// Valid reports whether l is one of the languages.
func (l Language) Valid() bool { return l >= English && l <= Chinese }

// String is the language's code, or "" for the zero value.
func (l Language) String() string {
	if !l.Valid() {
		return ""
	}
	return languageCodes[l]
}

// Difficulty is how hard the learner wants their lessons. The zero value is
// not a difficulty.
type Difficulty int

const (
	Beginner Difficulty = iota + 1
	Intermediate
	Advanced
)

var difficultyNames = [...]string{Beginner: "beginner", Intermediate: "intermediate", Advanced: "advanced"}

// ParseDifficulty accepts the exact lower-case name.
func ParseDifficulty(s string) (Difficulty, error) {
	for d := Beginner; d <= Advanced; d++ {
		if difficultyNames[d] == s {
			return d, nil
		}
	}
	return 0, fmt.Errorf("%q is not a difficulty level", s)
}

func (d Difficulty) Valid() bool { return d >= Beginner && d <= Advanced }

func (d Difficulty) String() string {
	if !d.Valid() {
		return ""
	}
	return difficultyNames[d]
}

// Theme is the app's colour scheme. The zero value is not a theme.
type Theme int

const (
	ThemeLight Theme = iota + 1
	ThemeDark
	ThemeSystem
)

var themeNames = [...]string{ThemeLight: "light", ThemeDark: "dark", ThemeSystem: "system"}

// ParseTheme accepts the exact lower-case name.
func ParseTheme(s string) (Theme, error) {
	for t := ThemeLight; t <= ThemeSystem; t++ {
		if themeNames[t] == s {
			return t, nil
		}
	}
	return 0, fmt.Errorf("%q is not a theme", s)
}

func (t Theme) Valid() bool { return t >= ThemeLight && t <= ThemeSystem }

func (t Theme) String() string {
	if !t.Valid() {
		return ""
	}
	return themeNames[t]
}

// ReminderTime is a time of day on a 24-hour clock, 00:00 to 23:59, in the
// learner's zone.
type ReminderTime struct{ minutes int }

// ParseReminderTime accepts exactly HH:MM with two digits each ("07:30");
// "7:30", "24:00" and "07:30:00" are refused so that every client sends the
// same spelling.
func ParseReminderTime(s string) (ReminderTime, error) {
	bad := fmt.Errorf("%q is not a time HH:MM between 00:00 and 23:59", s)
	if len(s) != 5 || s[2] != ':' || strings.ContainsFunc(s[:2]+s[3:], func(r rune) bool { return r < '0' || r > '9' }) {
		return ReminderTime{}, bad
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if h > 23 || m > 59 {
		return ReminderTime{}, bad
	}
	return ReminderTime{minutes: h*60 + m}, nil
}

// Hour and Minute are the parts of the time.
func (t ReminderTime) Hour() int   { return t.minutes / 60 }
func (t ReminderTime) Minute() int { return t.minutes % 60 }

func (t ReminderTime) String() string { return fmt.Sprintf("%02d:%02d", t.Hour(), t.Minute()) }

func (t ReminderTime) valid() bool { return t.minutes >= 0 && t.minutes < 24*60 }
