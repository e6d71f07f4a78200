package catalog_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lingo-labs/lingo/domain/catalog"
	"github.com/lingo-labs/lingo/domain/errs"
)

func ptr[T any](v T) *T { return &v }

func validCourse() catalog.CourseInput {
	return catalog.CourseInput{Slug: "spanish-101", Title: "  Spanish basics ", Language: "es", Level: "beginner", Description: "Hola."}
}

// fieldsOf returns field -> code of an Invalid error, failing when err is not one.
func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	require.Error(t, err)
	require.True(t, errs.Is(err, errs.Invalid), "want Invalid, got %v", err)
	e, _ := errs.As(err)
	out := map[string]string{}
	for _, f := range e.Fields {
		out[f.Field] = f.Code
	}
	return out
}

func TestNewCourseAccepts(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*catalog.CourseInput)
	}{
		{"typical", func(*catalog.CourseInput) {}},
		{"slug of 64", func(in *catalog.CourseInput) { in.Slug = strings.Repeat("a", 64) }},
		{"slug of one digit", func(in *catalog.CourseInput) { in.Slug = "1" }},
		{"title of 120 runes", func(in *catalog.CourseInput) { in.Title = strings.Repeat("é", 120) }},
		{"empty description", func(in *catalog.CourseInput) { in.Description = "" }},
		{"description of 2000 runes", func(in *catalog.CourseInput) { in.Description = strings.Repeat("ü", 2000) }},
		{"every level: advanced", func(in *catalog.CourseInput) { in.Level = "advanced" }},
		{"language zh", func(in *catalog.CourseInput) { in.Language = "zh" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := validCourse()
			c.mutate(&in)
			got, err := catalog.NewCourse("c1", in)
			require.NoError(t, err)
			assert.Equal(t, "c1", got.ID())
			assert.Equal(t, in.Slug, got.Slug())
			assert.Equal(t, strings.TrimSpace(in.Title), got.Title())
			assert.Equal(t, in.Language, got.Language().String())
			assert.Equal(t, in.Level, got.Level().String())
			assert.Equal(t, in.Description, got.Description())
		})
	}
}

func TestNewCourseRefuses(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*catalog.CourseInput)
		want   map[string]string
	}{
		{"empty slug", func(in *catalog.CourseInput) { in.Slug = "" }, map[string]string{"slug": errs.CodeValidation}},
		{"slug of 65", func(in *catalog.CourseInput) { in.Slug = strings.Repeat("a", 65) }, map[string]string{"slug": errs.CodeValidation}},
		{"upper-case slug", func(in *catalog.CourseInput) { in.Slug = "Spanish" }, map[string]string{"slug": errs.CodeValidation}},
		{"slug with space", func(in *catalog.CourseInput) { in.Slug = "a b" }, map[string]string{"slug": errs.CodeValidation}},
		{"slug with underscore", func(in *catalog.CourseInput) { in.Slug = "a_b" }, map[string]string{"slug": errs.CodeValidation}},
		{"blank title", func(in *catalog.CourseInput) { in.Title = "   " }, map[string]string{"title": errs.CodeValidation}},
		{"title of 121 runes", func(in *catalog.CourseInput) { in.Title = strings.Repeat("é", 121) }, map[string]string{"title": errs.CodeValidation}},
		{"title with a newline", func(in *catalog.CourseInput) { in.Title = "a\nb" }, map[string]string{"title": errs.CodeValidation}},
		{"unknown language", func(in *catalog.CourseInput) { in.Language = "xx" }, map[string]string{"language": errs.CodeValidation}},
		{"upper-case language", func(in *catalog.CourseInput) { in.Language = "ES" }, map[string]string{"language": errs.CodeValidation}},
		{"empty language", func(in *catalog.CourseInput) { in.Language = "" }, map[string]string{"language": errs.CodeValidation}},
		{"unknown level", func(in *catalog.CourseInput) { in.Level = "expert" }, map[string]string{"level": errs.CodeValidation}},
		{"capitalised level", func(in *catalog.CourseInput) { in.Level = "Beginner" }, map[string]string{"level": errs.CodeValidation}},
		{"description of 2001 runes", func(in *catalog.CourseInput) { in.Description = strings.Repeat("ü", 2001) }, map[string]string{"description": errs.CodeValidation}},
		{"every field at once", func(in *catalog.CourseInput) { *in = catalog.CourseInput{Description: strings.Repeat("x", 2001)} },
			map[string]string{"slug": errs.CodeValidation, "title": errs.CodeValidation, "language": errs.CodeValidation, "level": errs.CodeValidation, "description": errs.CodeValidation}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := validCourse()
			c.mutate(&in)
			_, err := catalog.NewCourse("c1", in)
			assert.Equal(t, c.want, fieldsOf(t, err))
		})
	}
}

func TestRestoreCourse(t *testing.T) {
	t.Run("round trip", func(t *testing.T) {
		c, err := catalog.NewCourse("c1", validCourse())
		require.NoError(t, err)
		back, err := catalog.RestoreCourse(c.Record())
		require.NoError(t, err)
		assert.Equal(t, c, back)
	})
	t.Run("corrupt row is internal", func(t *testing.T) {
		_, err := catalog.RestoreCourse(catalog.CourseRecord{ID: "c1", Slug: "x", Title: "t", Language: "xx", Level: "beginner"})
		require.Error(t, err)
		assert.Equal(t, errs.Internal, errs.KindOf(err))
	})
}

func TestCourseApply(t *testing.T) {
	base, err := catalog.NewCourse("c1", validCourse())
	require.NoError(t, err)
	cases := []struct {
		name        string
		patch       catalog.CoursePatch
		wantChanged []string
		check       func(t *testing.T, c catalog.Course)
	}{
		{"empty patch keeps everything", catalog.CoursePatch{}, nil, func(t *testing.T, c catalog.Course) { assert.Equal(t, base, c) }},
		{"same value is no change", catalog.CoursePatch{Slug: ptr("spanish-101")}, nil, func(t *testing.T, c catalog.Course) { assert.Equal(t, base, c) }},
		{"title trimmed and changed", catalog.CoursePatch{Title: ptr(" New ")}, []string{"title"}, func(t *testing.T, c catalog.Course) {
			assert.Equal(t, "New", c.Title())
			assert.Equal(t, base.Slug(), c.Slug())
		}},
		{"several fields", catalog.CoursePatch{Language: ptr("fr"), Level: ptr("advanced"), Description: ptr("")}, []string{"language", "level", "description"},
			func(t *testing.T, c catalog.Course) {
				assert.Equal(t, "fr", c.Language().String())
				assert.Equal(t, catalog.LevelAdvanced, c.Level())
				assert.Equal(t, "", c.Description())
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, changed, err := base.Apply(c.patch)
			require.NoError(t, err)
			assert.Equal(t, c.wantChanged, changed)
			c.check(t, got)
		})
	}

	t.Run("invalid patch changes nothing", func(t *testing.T) {
		got, changed, err := base.Apply(catalog.CoursePatch{Title: ptr("Fine"), Level: ptr("expert")})
		assert.Equal(t, map[string]string{"level": errs.CodeValidation}, fieldsOf(t, err))
		assert.Nil(t, changed)
		assert.Equal(t, base, got)
	})
}

func validLesson() catalog.LessonInput {
	return catalog.LessonInput{Slug: "greetings", Title: "Greetings"}
}

func TestNewLessonAccepts(t *testing.T) {
	cases := []struct {
		name         string
		in           catalog.LessonInput
		next         int
		wantPosition int
		wantXP       int
	}{
		{"defaults", validLesson(), 4, 4, 10},
		{"explicit position wins over next", catalog.LessonInput{Slug: "a", Title: "A", Position: ptr(2)}, 4, 2, 10},
		{"xp 1", catalog.LessonInput{Slug: "a", Title: "A", XPReward: ptr(1)}, 1, 1, 1},
		{"xp 100", catalog.LessonInput{Slug: "a", Title: "A", XPReward: ptr(100)}, 1, 1, 100},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := catalog.NewLesson("l1", "c1", c.in, c.next)
			require.NoError(t, err)
			assert.Equal(t, "l1", l.ID())
			assert.Equal(t, "c1", l.CourseID())
			assert.Equal(t, c.wantPosition, l.Position())
			assert.Equal(t, c.wantXP, l.XPReward())
		})
	}
}

func TestNewLessonRefuses(t *testing.T) {
	cases := []struct {
		name string
		in   catalog.LessonInput
		next int
		want map[string]string
	}{
		{"xp 0", catalog.LessonInput{Slug: "a", Title: "A", XPReward: ptr(0)}, 1, map[string]string{"xp_reward": errs.CodeValidation}},
		{"xp 101", catalog.LessonInput{Slug: "a", Title: "A", XPReward: ptr(101)}, 1, map[string]string{"xp_reward": errs.CodeValidation}},
		{"position 0", catalog.LessonInput{Slug: "a", Title: "A", Position: ptr(0)}, 1, map[string]string{"position": errs.CodeValidation}},
		{"negative position", catalog.LessonInput{Slug: "a", Title: "A", Position: ptr(-3)}, 1, map[string]string{"position": errs.CodeValidation}},
		{"position past the maximum", catalog.LessonInput{Slug: "a", Title: "A", Position: ptr(catalog.MaxPosition + 1)}, 1, map[string]string{"position": errs.CodeValidation}},
		{"position of 2^31", catalog.LessonInput{Slug: "a", Title: "A", Position: ptr(1 << 31)}, 1, map[string]string{"position": errs.CodeValidation}},
		{"bad slug and title", catalog.LessonInput{Slug: "A!", Title: ""}, 1, map[string]string{"slug": errs.CodeValidation, "title": errs.CodeValidation}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := catalog.NewLesson("l1", "c1", c.in, c.next)
			assert.Equal(t, c.want, fieldsOf(t, err))
		})
	}
}

func TestLessonApplyAndRestore(t *testing.T) {
	base, err := catalog.NewLesson("l1", "c1", validLesson(), 1)
	require.NoError(t, err)

	got, changed, err := base.Apply(catalog.LessonPatch{Position: ptr(3), XPReward: ptr(25), Title: ptr("Greetings")})
	require.NoError(t, err)
	assert.Equal(t, []string{"position", "xp_reward"}, changed)
	assert.Equal(t, 3, got.Position())
	assert.Equal(t, 25, got.XPReward())
	assert.Equal(t, "greetings", got.Slug())

	same, changed, err := base.Apply(catalog.LessonPatch{XPReward: ptr(0), Slug: ptr("ok")})
	assert.Equal(t, map[string]string{"xp_reward": errs.CodeValidation}, fieldsOf(t, err))
	assert.Nil(t, changed)
	assert.Equal(t, base, same)

	back, err := catalog.RestoreLesson(got.Record())
	require.NoError(t, err)
	assert.Equal(t, got, back)

	_, err = catalog.RestoreLesson(catalog.LessonRecord{ID: "l1", CourseID: "c1", Slug: "a", Title: "A", Position: 1, XPReward: 0})
	assert.Equal(t, errs.Internal, errs.KindOf(err))
}

func TestTotalXP(t *testing.T) {
	var lessons []catalog.Lesson
	for i, xp := range []int{10, 20, 100} {
		l, err := catalog.NewLesson("l"+string(rune('a'+i)), "c1", catalog.LessonInput{Slug: "s", Title: "T", XPReward: &xp}, i+1)
		require.NoError(t, err)
		lessons = append(lessons, l)
	}
	assert.Equal(t, 130, catalog.TotalXP(lessons))
	assert.Equal(t, 0, catalog.TotalXP(nil))
}

func TestParseEnums(t *testing.T) {
	for _, s := range []string{"en", "es", "fr", "de", "it", "pt", "nl", "sv", "pl", "ru", "tr", "ar", "hi", "ja", "ko", "zh"} {
		l, err := catalog.ParseLanguage(s)
		require.NoError(t, err, s)
		assert.Equal(t, s, l.String())
	}
	var zero catalog.Language
	assert.True(t, zero.IsZero())
	var zeroLevel catalog.Level
	assert.False(t, zeroLevel.Valid())
	for _, s := range []string{"beginner", "intermediate", "advanced"} {
		l, err := catalog.ParseLevel(s)
		require.NoError(t, err)
		assert.True(t, l.Valid())
		assert.Equal(t, s, l.String())
	}
	_, err := catalog.ParseLevel("")
	assert.Error(t, err)
}
