package catalog

import (
	"fmt"

	"github.com/lingo-labs/lingo/domain/errs"
)

// Lesson is one unit of a course, worth xp_reward XP on its first completion.
type Lesson struct {
	id       string
	courseID string
	slug     string
	title    string
	position int
	xpReward int
}

// LessonInput is an admin's request to add a lesson. Position and XPReward
// are optional; nil means the default.
type LessonInput struct {
	Slug     string
	Title    string
	Position *int
	XPReward *int
}

// NewLesson validates in and returns a lesson of course courseID. When
// in.Position is nil the lesson goes to nextPosition, which the caller
// computes as one after the course's last lesson (1 for an empty course).
func NewLesson(id, courseID string, in LessonInput, nextPosition int) (Lesson, error) {
	var fields []errs.FieldError
	l := Lesson{id: id, courseID: courseID, xpReward: DefaultXPReward, position: nextPosition}
	l.slug = checkSlug(in.Slug, &fields)
	l.title = checkTitle(in.Title, &fields)
	if in.Position != nil {
		l.position = *in.Position
	}
	if in.XPReward != nil {
		l.xpReward = *in.XPReward
	}
	checkPosition(l.position, &fields)
	checkXPReward(l.xpReward, &fields)
	if id == "" {
		fields = append(fields, errs.Field("id", "must not be empty"))
	}
	if courseID == "" {
		fields = append(fields, errs.Field("course_id", "must not be empty"))
	}
	if err := errs.Validation(fields...); err != nil {
		return Lesson{}, err
	}
	return l, nil
}

// Validate reports every rule in breaks, as NewLesson would.
func (in LessonInput) Validate() error {
	_, err := NewLesson("-", "-", in, 1)
	return err
}

// LessonRecord is a lesson as a store keeps it.
type LessonRecord struct {
	ID       string
	CourseID string
	Slug     string
	Title    string
	Position int
	XPReward int
}

// RestoreLesson rebuilds a stored lesson; a row that breaks the rules is
// corrupt and gives an Internal error.
func RestoreLesson(r LessonRecord) (Lesson, error) {
	pos, xp := r.Position, r.XPReward
	l, err := NewLesson(r.ID, r.CourseID, LessonInput{Slug: r.Slug, Title: r.Title, Position: &pos, XPReward: &xp}, pos)
	if err != nil {
		return Lesson{}, errs.Wrap(errs.Internal, errs.CodeCorruptLesson, fmt.Errorf("restore lesson %s: %w", r.ID, err))
	}
	return l, nil
}

func (l Lesson) ID() string       { return l.id }
func (l Lesson) CourseID() string { return l.courseID }
func (l Lesson) Slug() string     { return l.slug }
func (l Lesson) Title() string    { return l.title }
func (l Lesson) Position() int    { return l.position }
func (l Lesson) XPReward() int    { return l.xpReward }

// Record is the lesson as a store keeps it.
func (l Lesson) Record() LessonRecord {
	return LessonRecord{ID: l.id, CourseID: l.courseID, Slug: l.slug, Title: l.title, Position: l.position, XPReward: l.xpReward}
}

// LessonPatch is an admin's partial update: a nil field keeps its value. A
// lesson cannot move to another course.
type LessonPatch struct {
	Slug     *string
	Title    *string
	Position *int
	XPReward *int
}

// Apply returns the lesson with the patch applied and the JSON names of the
// fields whose value changed; an invalid patch changes nothing.
func (l Lesson) Apply(p LessonPatch) (Lesson, []string, error) {
	var fields []errs.FieldError
	next := l
	if p.Slug != nil {
		next.slug = checkSlug(*p.Slug, &fields)
	}
	if p.Title != nil {
		next.title = checkTitle(*p.Title, &fields)
	}
	if p.Position != nil {
		next.position = *p.Position
		checkPosition(next.position, &fields)
	}
	if p.XPReward != nil {
		next.xpReward = *p.XPReward
		checkXPReward(next.xpReward, &fields)
	}
	if err := errs.Validation(fields...); err != nil {
		return l, nil, err
	}
	var changed []string
	for _, f := range []struct {
		name string
		diff bool
	}{
		{"slug", next.slug != l.slug},
		{"title", next.title != l.title},
		{"position", next.position != l.position},
		{"xp_reward", next.xpReward != l.xpReward},
	} {
		if f.diff {
			changed = append(changed, f.name)
		}
	}
	return next, changed, nil
}

// Validate reports every rule the patch breaks.
func (p LessonPatch) Validate() error {
	_, _, err := Lesson{}.Apply(p)
	return err
}

// TotalXP is what a learner earns by completing every lesson once without a
// perfect-score bonus: the course's total_xp.
func TotalXP(lessons []Lesson) int {
	sum := 0
	for _, l := range lessons {
		sum += l.xpReward
	}
	return sum
}
