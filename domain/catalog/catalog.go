// Package catalog holds courses and lessons: what a learner can study and how
// much XP a lesson is worth. Values are validated here once, so stores and
// handlers can trust any Course or Lesson they hold.
package catalog

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/lingo-labs/lingo/domain/errs"
)

// Limits of the catalog values (the OpenAPI document's Course and Lesson).
const (
	MaxSlugLen        = 64
	MaxTitleLen       = 120
	MaxDescriptionLen = 2000
	MinXPReward       = 1
	MaxXPReward       = 100
	// DefaultXPReward is what a lesson earns when the admin does not say.
	DefaultXPReward = 10
	// MaxPosition bounds a lesson's position: far more lessons than a
	// course holds, and well inside the 32-bit integer column that keeps it.
	MaxPosition = 10000
)

// Language is one of the sixteen languages Lingo teaches. The zero value is
// not a language.
type Language struct{ code string }

var languages = map[string]bool{
	"en": true, "es": true, "fr": true, "de": true, "it": true, "pt": true, "nl": true, "sv": true,
	"pl": true, "ru": true, "tr": true, "ar": true, "hi": true, "ja": true, "ko": true, "zh": true,
}

// ParseLanguage accepts an exact lower-case ISO 639-1 code of the list.
func ParseLanguage(s string) (Language, error) {
	if !languages[s] {
		return Language{}, fmt.Errorf("%q is not a supported language", s)
	}
	return Language{code: s}, nil
}

// String is the language code ("" for the zero value).
func (l Language) String() string { return l.code }

// IsZero reports whether l is the zero value.
func (l Language) IsZero() bool { return l.code == "" }

// Level is a course's difficulty. The zero value is not a level.
type Level int

const (
	LevelBeginner Level = iota + 1
	LevelIntermediate
	LevelAdvanced
)

var levelNames = map[Level]string{
	LevelBeginner: "beginner", LevelIntermediate: "intermediate", LevelAdvanced: "advanced",
}

// ParseLevel accepts the exact lower-case names.
func ParseLevel(s string) (Level, error) {
	for l, name := range levelNames {
		if name == s {
			return l, nil
		}
	}
	return 0, fmt.Errorf("%q is not a level", s)
}

// String is the level's wire name ("" for an invalid level).
func (l Level) String() string { return levelNames[l] }

// Valid reports whether l is one of the three levels.
func (l Level) Valid() bool { return levelNames[l] != "" }

// Course is a sequence of lessons in one language at one level. Its
// lesson_count and total_xp are aggregates over its lessons (see TotalXP) and
// are not part of the value.
type Course struct {
	id          string
	slug        string
	title       string
	language    Language
	level       Level
	description string
}

// CourseInput is an admin's request to create a course, with raw strings as
// they arrived.
type CourseInput struct {
	Slug        string
	Title       string
	Language    string
	Level       string
	Description string
}

// NewCourse validates in and returns a course with the given (server-made)
// id, or an Invalid error with one field problem per broken rule.
func NewCourse(id string, in CourseInput) (Course, error) {
	var fields []errs.FieldError
	c := Course{id: id}
	c.slug = checkSlug(in.Slug, &fields)
	c.title = checkTitle(in.Title, &fields)
	c.language = checkLanguage(in.Language, &fields)
	c.level = checkLevel(in.Level, &fields)
	c.description = checkDescription(in.Description, &fields)
	if id == "" {
		fields = append(fields, errs.Field("id", "must not be empty"))
	}
	if err := errs.Validation(fields...); err != nil {
		return Course{}, err
	}
	return c, nil
}

// Validate reports every rule in breaks, as NewCourse would, for callers
// that join them with problems of their own (a 422 lists them all).
func (in CourseInput) Validate() error {
	_, err := NewCourse("-", in)
	return err
}

// CourseRecord is a course as a store keeps it.
type CourseRecord struct {
	ID          string
	Slug        string
	Title       string
	Language    string
	Level       string
	Description string
}

// RestoreCourse rebuilds a stored course. It checks the same rules as
// NewCourse, but a stored row that breaks them is corrupt data, so the error
// is Internal rather than Invalid: it must never reach a client as a 422.
func RestoreCourse(r CourseRecord) (Course, error) {
	c, err := NewCourse(r.ID, CourseInput{
		Slug: r.Slug, Title: r.Title, Language: r.Language, Level: r.Level, Description: r.Description,
	})
	if err != nil {
		return Course{}, errs.Wrap(errs.Internal, errs.CodeCorruptCourse, fmt.Errorf("restore course %s: %w", r.ID, err))
	}
	return c, nil
}

func (c Course) ID() string          { return c.id }
func (c Course) Slug() string        { return c.slug }
func (c Course) Title() string       { return c.title }
func (c Course) Language() Language  { return c.language }
func (c Course) Level() Level        { return c.level }
func (c Course) Description() string { return c.description }

// Record is the course as a store keeps it.
func (c Course) Record() CourseRecord {
	return CourseRecord{
		ID: c.id, Slug: c.slug, Title: c.title, Language: c.language.String(),
		Level: c.level.String(), Description: c.description,
	}
}

// CoursePatch is an admin's partial update: a nil field keeps its value.
type CoursePatch struct {
	Slug        *string
	Title       *string
	Language    *string
	Level       *string
	Description *string
}

// Apply returns the course with the patch applied and the JSON names of the
// fields whose value changed. An invalid patch changes nothing, not even its
// valid fields, and returns every problem at once.
func (c Course) Apply(p CoursePatch) (Course, []string, error) {
	var fields []errs.FieldError
	next := c
	if p.Slug != nil {
		next.slug = checkSlug(*p.Slug, &fields)
	}
	if p.Title != nil {
		next.title = checkTitle(*p.Title, &fields)
	}
	if p.Language != nil {
		next.language = checkLanguage(*p.Language, &fields)
	}
	if p.Level != nil {
		next.level = checkLevel(*p.Level, &fields)
	}
	if p.Description != nil {
		next.description = checkDescription(*p.Description, &fields)
	}
	if err := errs.Validation(fields...); err != nil {
		return c, nil, err
	}
	var changed []string
	for _, f := range []struct {
		name string
		diff bool
	}{
		{"slug", next.slug != c.slug},
		{"title", next.title != c.title},
		{"language", next.language != c.language},
		{"level", next.level != c.level},
		{"description", next.description != c.description},
	} {
		if f.diff {
			changed = append(changed, f.name)
		}
	}
	return next, changed, nil
}

// Validate reports every rule the patch breaks; the rules do not depend on
// the course it applies to.
func (p CoursePatch) Validate() error {
	_, _, err := Course{}.Apply(p)
	return err
}

// checkSlug accepts a lower-case slug of [a-z0-9-]{1,64}. It does not trim:
// a slug is an identifier, and silently changing it would surprise an admin.
func checkSlug(s string, fields *[]errs.FieldError) string {
	if s == "" || len(s) > MaxSlugLen {
		*fields = append(*fields, errs.Field("slug", fmt.Sprintf("must be 1 to %d characters", MaxSlugLen)))
		return s
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			*fields = append(*fields, errs.Field("slug", "must contain only a-z, 0-9 and -"))
			return s
		}
	}
	return s
}

// checkTitle trims the title and counts characters, not bytes, so that
// titles in Japanese or Arabic get the same room as English ones.
func checkTitle(s string, fields *[]errs.FieldError) string {
	t := strings.TrimSpace(s)
	if n := utf8.RuneCountInString(t); n < 1 || n > MaxTitleLen {
		*fields = append(*fields, errs.Field("title", fmt.Sprintf("must be 1 to %d characters after trimming", MaxTitleLen)))
	} else if hasControl(t) {
		*fields = append(*fields, errs.Field("title", "must not contain control characters"))
	}
	return t
}

func checkLanguage(s string, fields *[]errs.FieldError) Language {
	l, err := ParseLanguage(s)
	if err != nil {
		*fields = append(*fields, errs.Field("language", "must be one of en es fr de it pt nl sv pl ru tr ar hi ja ko zh"))
	}
	return l
}

func checkLevel(s string, fields *[]errs.FieldError) Level {
	l, err := ParseLevel(s)
	if err != nil {
		*fields = append(*fields, errs.Field("level", "must be one of beginner, intermediate, advanced"))
	}
	return l
}

// checkDescription keeps the description as sent (it may hold deliberate
// line breaks) and only bounds its length in characters; empty is allowed.
func checkDescription(s string, fields *[]errs.FieldError) string {
	if utf8.RuneCountInString(s) > MaxDescriptionLen {
		*fields = append(*fields, errs.Field("description", fmt.Sprintf("must be at most %d characters", MaxDescriptionLen)))
	}
	return s
}

func checkPosition(p int, fields *[]errs.FieldError) {
	if p < 1 || p > MaxPosition {
		*fields = append(*fields, errs.Field("position", fmt.Sprintf("must be between 1 and %d", MaxPosition)))
	}
}

func checkXPReward(xp int, fields *[]errs.FieldError) {
	if xp < MinXPReward || xp > MaxXPReward {
		*fields = append(*fields, errs.Field("xp_reward", fmt.Sprintf("must be between %d and %d", MinXPReward, MaxXPReward)))
	}
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return true
		}
	}
	return false
}
