// Package pacing decides how many outbound dials a campaign places now, in
// the progressive and predictive modes, and keeps the abandon figures the
// predictive mode is bound by.
//
// It owns the decision and its counters only. The dialler owns the calls:
// it reports what happens (Dialled, Answered, Connected, Abandoned, Failed,
// AgentFree, AgentsLoggedIn, HandleTime) and asks Want. Contacts, calling
// windows, retries, answering-machine detection, the 2 s timer that makes a
// call abandoned and the message an abandoned person hears live elsewhere
// in the campaign. The pacer reads time only from the clock it is given, so
// a simulation drives it on a fake clock (see pacingsim).
//
// # Progressive
//
// One dial per free agent not already covered by a call in flight (a dial
// ringing or a person waiting for an agent). The ratio is exactly 1 and no
// agent is predicted, so a person can only wait if an agent leaves.
//
// # Predictive
//
// Want keeps ratio × (free agents − people waiting + agents soon free)
// dials in flight. Agents soon free are the busy agents expected to finish
// within a new dial's horizon (the measured dial-to-answer time plus the
// 2 s grace), taking handle times as memoryless: busy × (1 − e^(−h/handle)).
//
// Every 15 s the ratio adapts: ratio = 1 + gain × (1/answer − 1), where
// answer is the person-answer rate (people / finished dials, decayed over
// about 10 min) and gain, between 0 and 1, is the output of a proportional
// controller on the recent abandon rate (decayed over about 40 min) against
// a target of the cap less a safety margin (3 % × (1 − 0.25) = 2.25 % by
// default): below the target the gain grows by 0.01 × the relative error
// an interval, above it it falls by 0.1 × the error, up to 0.3 an interval.
// At gain 1 the expected answers just match the agents. The ratio is never
// below 1 and never above MaxRatio (5).
//
// On top of the controller sits a hard budget: the abandons the day and
// the 30 days can still afford at the target rate, target × live answers −
// abandons. While either budget is below one abandon the ratio is 1 and
// the pacer dials progressively, so dialling ahead resumes only when the
// day's and the month's figures would stay under the target even after
// one more abandon (the calls already in flight may add a few: the margin
// between the target and the cap is for them). Each day therefore starts progressively until about 45 live
// answers have earned its first abandon.
//
// Why a controller and not an Erlang-style estimate: the cap is a
// measured ratio of rare events, and the quantities an Erlang or
// Monte-Carlo model needs (remaining talk times, the answer-time
// distribution, how stationary the list is) are exactly what a campaign
// knows least about at its start and what drifts during the day (a list
// sorted by region, lunch breaks, a new batch of numbers). Controlling the
// measured abandon rate directly needs none of them and cannot be fooled
// by a wrong model for long; the margin and the hard budget cover the
// controller's lag. The cost is utilisation: a model-based dialler that is
// right can run closer to the cap.
//
// # Limits
//
//   - A day is a calendar day in Config.Location; the 30 days are today and
//     the 29 before. The cap is applied to the whole campaign, not per
//     trunk or per agent group.
//   - With few agents (5) the answers are too few for the estimate and the
//     budget, and predictive is little better than progressive; with 15 or
//     more it pays (see README.md for the simulated figures).
//   - Handle times are taken as memoryless for agents soon free; agents are
//     counted, not tracked one by one.
//   - Calls in flight are not in State: after a crash they are gone. An
//     abandon reported for an unknown call still counts (it may count twice,
//     which errs on the safe side); a live answer for an unknown call does
//     not (it would loosen the cap).
//   - Want is not bounded by the trunk: at ratio 5 it can ask for five
//     dials per free agent at once. The dialler applies the campaign's
//     channel and calls-per-second limits and reports only dials placed.
//   - A false "human" from answering-machine detection counts as a live
//     answer; a false "machine" that was a person counts as an abandon only
//     if the dialler reports it as one.
//
// A Pacer is owned by one goroutine (the campaign's dialler) and is not
// safe for concurrent use.
package pacing
