package httpapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Well-formed ids whose ULIDs sort before and after every id that the
// tests create.
const (
	lowestULID  = "00000000000000000000000000"
	highestULID = "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"
)

// idsOf returns the ids of a list response, in order.
func idsOf(t *testing.T, res *response) []string {
	t.Helper()
	wantStatus(t, res, http.StatusOK)
	var ids []string
	for _, item := range res.list(t) {
		ids = append(ids, str(t, item, "id"))
	}
	return ids
}

// executeTimes runs the job n times and returns the execution ids, newest
// first as the list returns them.
func (h *harness) executeTimes(t *testing.T, jobID string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range n {
		res := h.call(t, "POST", "/jobs/"+jobID+"/execute", h.token, nil)
		wantStatus(t, res, http.StatusOK)
		ids[n-1-i] = str(t, sub(t, res.object(t), "execution"), "id")
	}
	return ids
}

func TestListCursorRejectsNonIDs(t *testing.T) {
	t.Parallel()
	h := setup(t)
	jobID := str(t, h.createJob(t, h.token, nil), "id")
	executionID := h.executeTimes(t, jobID, 1)[0]
	ulidText := strings.TrimPrefix(jobID, "job_")

	lists := []struct {
		name    string
		path    string
		kind    string // the kind of id in the English message
		article string // the English article before kind
		prefix  string
		kindJA  string
		// other is a well-formed id of the other list's kind.
		other string
	}{
		{"jobs", "/jobs", "job", "a", "job", "ジョブ", executionID},
		{"executions", "/jobs/" + jobID + "/executions", "execution", "an", "exe", "実行履歴", jobID},
	}
	for _, list := range lists {
		cursors := []struct {
			name  string
			value string
		}{
			{"word", "zzz"},
			{"garbage", "garbage"},
			{"prefix only", list.prefix + "_"},
			{"ULID only", ulidText},
			{"short ULID", list.prefix + "_" + ulidText[:25]},
			{"long ULID", list.prefix + "_" + ulidText + "0"},
			{"lower case", list.prefix + "_" + strings.ToLower(ulidText)},
			{"letter outside base32", list.prefix + "_" + ulidText[:25] + "U"},
			{"ULID over 128 bits", list.prefix + "_8" + highestULID[1:]},
			{"other kind", list.other},
			{"user id", "usr_" + ulidText},
			{"dash", list.prefix + "-" + ulidText},
		}
		for _, cursor := range cursors {
			t.Run(list.name+"/"+cursor.name, func(t *testing.T) {
				path := list.path + "?after=" + url.QueryEscape(cursor.value)
				ja, en := h.sendBoth(t, request{method: "GET", path: path, token: h.token})
				wantEN := `after "` + cursor.value + `" is not ` + list.article + " " + list.kind + " id (" +
					list.prefix + "_ and a 26-character ULID); pass the id of the last " + list.kind + " of the previous page"
				wantFieldMessages(t, ja, en, "after", wantEN,
					`after "`+cursor.value+`" は`+list.kindJA+"の ID", "前のページの最後の"+list.kindJA+"の ID")
			})
		}
	}
}

func TestListCursorPages(t *testing.T) {
	t.Parallel()
	h := setup(t)
	var jobIDs []string
	for range 3 {
		jobIDs = append(jobIDs, str(t, h.createJob(t, h.token, nil), "id"))
	}
	executionIDs := h.executeTimes(t, jobIDs[0], 3)
	executions := "/jobs/" + jobIDs[0] + "/executions"

	tests := []struct {
		name string
		path string
		want []string
	}{
		{"jobs after the first", "/jobs?after=" + jobIDs[0], jobIDs[1:]},
		{"jobs after the last", "/jobs?after=" + jobIDs[2], nil},
		{"jobs page of one", "/jobs?limit=1&after=" + jobIDs[0], jobIDs[1:2]},
		{"jobs with empty cursor", "/jobs?after=", jobIDs},
		{"executions after the newest", executions + "?after=" + executionIDs[0], executionIDs[1:]},
		{"executions after the oldest", executions + "?after=" + executionIDs[2], nil},
		{"executions page of one", executions + "?limit=1&after=" + executionIDs[0], executionIDs[1:2]},
		{"executions with empty cursor", executions + "?after=", executionIDs},

		// A well-formed id that matches no item is a position in the
		// order of the list.
		{"jobs after the lowest id", "/jobs?after=job_" + lowestULID, jobIDs},
		{"jobs after the highest id", "/jobs?after=job_" + highestULID, nil},
		{"executions after the highest id", executions + "?after=exe_" + highestULID, executionIDs},
		{"executions after the lowest id", executions + "?after=exe_" + lowestULID, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := idsOf(t, h.call(t, "GET", tc.path, h.token, nil))
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("GET %s lists %v, want %v", tc.path, got, tc.want)
			}
		})
	}
}
