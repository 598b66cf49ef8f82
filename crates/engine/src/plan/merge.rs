//! The per-field three-way merge of a linked pair: the last-synced value (the base), Dynamics now
//! and Marketo now. Only one side changed: copy it. Both changed to different values: the collision
//! rule of the entity decides (R18-R20). Neither: nothing. The base is kept per side: after a sync
//! user's edit, which is not synced back (R6), Dynamics' base is the edited value while Marketo's
//! stays what Marketo holds, so neither side's unchanged value is taken for a change.

use crate::model::{Direction, Side};
use crate::rules::Rule;
use crate::value::Value;

/// What to do with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDecision {
    /// The side to write, and the value to write there; `None` when nothing needs writing.
    pub write: Option<(Side, Value)>,
    /// The value both sides hold once the write (if any) is done: the new base.
    pub synced: Value,
    /// The value the written side had before, for the journal.
    pub before: Value,
    pub rule: Rule,
}

/// Merges one field.
///
/// `dynamics` and `marketo` are the current values of the sides that reported a change, `None` for
/// a side whose record did not change (its value is then its base). `base` is Dynamics' and
/// Marketo's last-synced value, `None` when the pair was never synced (two existing records just
/// linked): an empty side then takes the other's value, and differing values go by the collision
/// rule. One-way fields only ever flow to Marketo, and a
/// Marketo edit of one stays until Dynamics changes it (R20, R21). Returns `None` when there is
/// nothing to record.
pub fn merge_field(
    base: Option<(&Value, &Value)>,
    dynamics: Option<&Value>,
    marketo: Option<&Value>,
    direction: Direction,
    winner: Side,
) -> Option<FieldDecision> {
    let (d, m) = match base {
        Some((bd, bm)) => (dynamics.unwrap_or(bd), marketo.unwrap_or(bm)),
        None => (
            dynamics.unwrap_or(&Value::Null),
            marketo.unwrap_or(&Value::Null),
        ),
    };
    let to_marketo = |rule| {
        Some(FieldDecision {
            write: Some((Side::Marketo, d.clone())),
            synced: d.clone(),
            before: m.clone(),
            rule,
        })
    };
    let to_dynamics = |rule| {
        Some(FieldDecision {
            write: Some((Side::Dynamics, m.clone())),
            synced: m.clone(),
            before: d.clone(),
            rule,
        })
    };
    let agreed = |rule| {
        Some(FieldDecision {
            write: None,
            synced: d.clone(),
            before: d.clone(),
            rule,
        })
    };
    let collision = || match (direction, winner) {
        (Direction::ToMarketo, _) => to_marketo(Rule::DynamicsWinsOneWay),
        (Direction::TwoWay, Side::Marketo) => to_dynamics(Rule::MarketoWinsForLeads),
        (Direction::TwoWay, Side::Dynamics) => to_marketo(Rule::DynamicsWinsForContacts),
    };

    let Some((bd, bm)) = base else {
        return if d == m {
            (!d.is_null())
                .then(|| agreed(Rule::SameOnBothSides))
                .flatten()
        } else if m.is_null() {
            to_marketo(Rule::FillEmpty)
        } else if d.is_null() && direction == Direction::TwoWay {
            to_dynamics(Rule::FillEmpty)
        } else {
            collision()
        };
    };
    let dynamics_changed = d != bd;
    let marketo_changed = m != bm;
    match (dynamics_changed, marketo_changed) {
        (false, false) => None,
        _ if d == m => agreed(Rule::SameOnBothSides),
        (true, false) => to_marketo(if direction == Direction::TwoWay {
            Rule::DynamicsChanged
        } else {
            Rule::DynamicsWinsOneWay
        }),
        (false, true) => match direction {
            Direction::TwoWay => to_dynamics(Rule::MarketoChanged),
            // A Marketo edit of a one-way field is not sent to Dynamics; the next Dynamics change
            // overwrites it (R21). The base stays what Dynamics has.
            Direction::ToMarketo => None,
        },
        (true, true) => collision(),
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    const TWO: Direction = Direction::TwoWay;
    const ONE: Direction = Direction::ToMarketo;
    const LEAD: Side = Side::Marketo;
    const CONTACT: Side = Side::Dynamics;

    fn assert_decided(
        decision: Option<&FieldDecision>,
        write: Option<(Side, Value)>,
        rule: Option<Rule>,
    ) {
        assert_eq!(
            decision.and_then(|d| d.write.clone()),
            write,
            "what is written where"
        );
        assert_eq!(decision.map(|d| d.rule), rule, "the rule that decided");
    }

    /// After a sync user's edit, Dynamics' base is the edited value and Marketo's its own (R6).
    #[rstest]
    #[case::nothing_changed(None, None, None, None)]
    #[case::marketo_reports_its_unchanged_value(None, Some(t("m0")), None, None)]
    #[case::marketo_changed(None, Some(t("m")), Some((Side::Dynamics, t("m"))), Some(Rule::MarketoChanged))]
    #[case::dynamics_changed_again(Some(t("d")), Some(t("m0")), Some((Side::Marketo, t("d"))), Some(Rule::DynamicsChanged))]
    #[case::marketo_caught_up(None, Some(t("u")), None, Some(Rule::SameOnBothSides))]
    fn merge_after_a_sync_user_edit(
        #[case] dynamics: Option<Value>,
        #[case] marketo: Option<Value>,
        #[case] write: Option<(Side, Value)>,
        #[case] rule: Option<Rule>,
    ) {
        let (edited, marketo_base) = (t("u"), t("m0"));
        let decision = merge_field(
            Some((&edited, &marketo_base)),
            dynamics.as_ref(),
            marketo.as_ref(),
            TWO,
            CONTACT,
        );
        assert_decided(decision.as_ref(), write, rule);
    }

    #[rstest]
    #[case::nothing_changed(Some(t("a")), None, None, TWO, CONTACT, None, None)]
    #[case::same_values_reported(Some(t("a")), Some(t("a")), Some(t("a")), TWO, LEAD, None, None)]
    #[case::only_dynamics_changed(Some(t("a")), Some(t("d")), None, TWO, LEAD, Some((Side::Marketo, t("d"))), Some(Rule::DynamicsChanged))]
    #[case::only_marketo_changed(Some(t("a")), None, Some(t("m")), TWO, CONTACT, Some((Side::Dynamics, t("m"))), Some(Rule::MarketoChanged))]
    #[case::marketo_reported_the_base(Some(t("a")), Some(t("d")), Some(t("a")), TWO, LEAD, Some((Side::Marketo, t("d"))), Some(Rule::DynamicsChanged))]
    #[case::both_to_the_same(
        Some(t("a")),
        Some(t("x")),
        Some(t("x")),
        TWO,
        LEAD,
        None,
        Some(Rule::SameOnBothSides)
    )]
    #[case::lead_collision_marketo_wins_r18(Some(t("a")), Some(t("d")), Some(t("m")), TWO, LEAD, Some((Side::Dynamics, t("m"))), Some(Rule::MarketoWinsForLeads))]
    #[case::contact_collision_dynamics_wins_r19(Some(t("a")), Some(t("d")), Some(t("m")), TWO, CONTACT, Some((Side::Marketo, t("d"))), Some(Rule::DynamicsWinsForContacts))]
    #[case::one_way_collision_dynamics_wins_r20(Some(t("a")), Some(t("d")), Some(t("m")), ONE, LEAD, Some((Side::Marketo, t("d"))), Some(Rule::DynamicsWinsOneWay))]
    #[case::one_way_marketo_edit_stays_r21(
        Some(t("a")),
        None,
        Some(t("m")),
        ONE,
        CONTACT,
        None,
        None
    )]
    #[case::one_way_dynamics_change(Some(t("a")), Some(t("d")), None, ONE, CONTACT, Some((Side::Marketo, t("d"))), Some(Rule::DynamicsWinsOneWay))]
    #[case::cleared_in_marketo(Some(t("a")), None, Some(Value::Null), TWO, CONTACT, Some((Side::Dynamics, Value::Null)), Some(Rule::MarketoChanged))]
    #[case::first_link_empty_marketo(None, Some(t("d")), Some(Value::Null), TWO, CONTACT, Some((Side::Marketo, t("d"))), Some(Rule::FillEmpty))]
    #[case::first_link_empty_dynamics(None, Some(Value::Null), Some(t("m")), TWO, CONTACT, Some((Side::Dynamics, t("m"))), Some(Rule::FillEmpty))]
    #[case::first_link_empty_dynamics_one_way(None, Some(Value::Null), Some(t("m")), ONE, CONTACT, Some((Side::Marketo, Value::Null)), Some(Rule::DynamicsWinsOneWay))]
    #[case::first_link_lead_differs(None, Some(t("d")), Some(t("m")), TWO, LEAD, Some((Side::Dynamics, t("m"))), Some(Rule::MarketoWinsForLeads))]
    #[case::first_link_contact_differs(None, Some(t("d")), Some(t("m")), TWO, CONTACT, Some((Side::Marketo, t("d"))), Some(Rule::DynamicsWinsForContacts))]
    #[case::first_link_agree(
        None,
        Some(t("x")),
        Some(t("x")),
        TWO,
        LEAD,
        None,
        Some(Rule::SameOnBothSides)
    )]
    #[case::first_link_both_empty(None, Some(Value::Null), None, TWO, LEAD, None, None)]
    fn merge_table(
        #[case] base: Option<Value>,
        #[case] dynamics: Option<Value>,
        #[case] marketo: Option<Value>,
        #[case] direction: Direction,
        #[case] winner: Side,
        #[case] write: Option<(Side, Value)>,
        #[case] rule: Option<Rule>,
    ) {
        let decision = merge_field(
            base.as_ref().map(|b| (b, b)),
            dynamics.as_ref(),
            marketo.as_ref(),
            direction,
            winner,
        );
        assert_decided(decision.as_ref(), write, rule);
        if let Some(decision) = decision
            && let Some((_, value)) = &decision.write
        {
            assert_eq!(
                &decision.synced, value,
                "after the write both sides hold the written value"
            );
        }
    }
}
