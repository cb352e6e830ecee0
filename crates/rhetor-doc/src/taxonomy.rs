//! The labels rhetor predicts, in one place: the 23 persuasion techniques of SemEval-2023 Task 3 in
//! their 6 categories, the 14 frames and the 3 genres. CLI help (`rhetor techniques`), the JSON
//! schema and the reports all read from here.
//!
//! Names are the SemEval labels exactly as they appear in the official files. Definitions and
//! examples are our own words; the examples are invented.

use serde::Serialize;

/// The six technique categories of SemEval-2023 Task 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    AttackOnReputation,
    Justification,
    Simplification,
    Distraction,
    Call,
    ManipulativeWording,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::AttackOnReputation,
        Category::Justification,
        Category::Simplification,
        Category::Distraction,
        Category::Call,
        Category::ManipulativeWording,
    ];

    /// Identifier used in JSON output, e.g. `attack_on_reputation`.
    pub fn id(self) -> &'static str {
        match self {
            Category::AttackOnReputation => "attack_on_reputation",
            Category::Justification => "justification",
            Category::Simplification => "simplification",
            Category::Distraction => "distraction",
            Category::Call => "call",
            Category::ManipulativeWording => "manipulative_wording",
        }
    }

    /// Human-readable name.
    pub fn name(self) -> &'static str {
        match self {
            Category::AttackOnReputation => "Attack on reputation",
            Category::Justification => "Justification",
            Category::Simplification => "Simplification",
            Category::Distraction => "Distraction",
            Category::Call => "Call",
            Category::ManipulativeWording => "Manipulative wording",
        }
    }

    /// What the techniques of this category have in common.
    pub fn description(self) -> &'static str {
        match self {
            Category::AttackOnReputation => {
                "Targets a person or group instead of their argument."
            }
            Category::Justification => {
                "Supports a claim with something other than evidence: authority, numbers, values, fear, pride."
            }
            Category::Simplification => {
                "Reduces a complex situation to a single cause, a single consequence or two options."
            }
            Category::Distraction => "Moves attention away from the point being discussed.",
            Category::Call => "Pushes the audience to act or to stop thinking.",
            Category::ManipulativeWording => {
                "Uses wording, not reasoning, to shape how something is perceived."
            }
        }
    }
}

/// One persuasion technique.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Technique {
    /// SemEval label, e.g. `Loaded_Language`.
    pub label: &'static str,
    /// Human-readable name.
    pub name: &'static str,
    pub category: Category,
    /// Our own definition.
    pub definition: &'static str,
    /// An invented example.
    pub example: &'static str,
}

macro_rules! technique {
    ($label:literal, $name:literal, $cat:ident, $def:literal, $ex:literal) => {
        Technique {
            label: $label,
            name: $name,
            category: Category::$cat,
            definition: $def,
            example: $ex,
        }
    };
}

/// The 23 techniques, in the order of SemEval's `techniques_subtask3.txt` grouped by category.
pub const TECHNIQUES: [Technique; 23] = [
    technique!("Name_Calling-Labeling", "Name calling or labelling", AttackOnReputation,
        "Attaches a loaded label to a person or group so the audience judges them by the label.",
        "The so-called experts in their ivory towers have failed us again."),
    technique!("Guilt_by_Association", "Guilt by association", AttackOnReputation,
        "Discredits someone by linking them to a person, group or idea the audience already rejects.",
        "The senator's plan is the same one a notorious dictator once praised."),
    technique!("Doubt", "Casting doubt", AttackOnReputation,
        "Questions someone's credibility or motives without engaging with what they say.",
        "Can we really trust a minister who changes his mind every week?"),
    technique!("Appeal_to_Hypocrisy", "Appeal to hypocrisy", AttackOnReputation,
        "Dismisses a position by pointing out that its holder does not live by it.",
        "She lectures us about saving energy, yet she heats a swimming pool."),
    technique!("Questioning_the_Reputation", "Questioning the reputation", AttackOnReputation,
        "Attacks someone's character or record to make them seem unworthy, apart from the issue at hand.",
        "This is a man known for breaking every promise he has ever made."),
    technique!("Flag_Waving", "Flag waving", Justification,
        "Justifies a position by appealing to pride in or duty to a nation, group or identity.",
        "Any true patriot will support this bill."),
    technique!("Appeal_to_Authority", "Appeal to authority", Justification,
        "Presents a claim as true because an authority or expert said it, without further support.",
        "A famous scientist said it, so the matter is settled."),
    technique!("Appeal_to_Popularity", "Appeal to popularity", Justification,
        "Presents a claim as true or good because many people believe or do it.",
        "Millions of families have already switched, and so should you."),
    technique!("Appeal_to_Values", "Appeal to values", Justification,
        "Justifies a position by linking it to values the audience holds, such as freedom or tradition.",
        "This reform protects the freedom our grandparents fought for."),
    technique!("Appeal_to_Fear-Prejudice", "Appeal to fear or prejudice", Justification,
        "Promotes or rejects an idea by stirring fear of what will happen, or prejudice against a group.",
        "If this law passes, no one's children will be safe on the streets."),
    technique!("Causal_Oversimplification", "Causal oversimplification", Simplification,
        "Blames a complex outcome on a single cause.",
        "Prices went up for one reason only: the new mayor."),
    technique!("False_Dilemma-No_Choice", "False dilemma or no choice", Simplification,
        "Presents two options as the only ones, or one option as the only one, when more exist.",
        "Either we build the wall or we lose the country."),
    technique!("Consequential_Oversimplification", "Consequential oversimplification", Simplification,
        "Claims that a first step will set off a chain of consequences, usually bad, without support.",
        "Allow one food truck today and tomorrow our restaurants will all be gone."),
    technique!("Straw_Man", "Straw man", Distraction,
        "Replaces the opponent's position with a distorted one that is easier to attack.",
        "My opponent wants cycle lanes, so he obviously wants to ban cars."),
    technique!("Red_Herring", "Red herring", Distraction,
        "Introduces an irrelevant topic to draw attention away from the issue.",
        "Why talk about the hospital budget when the stadium needs a new roof?"),
    technique!("Whataboutism", "Whataboutism", Distraction,
        "Deflects criticism by accusing the critic or another party of something similar.",
        "You criticise our emissions, but what about your country's coal plants?"),
    technique!("Slogans", "Slogans", Call,
        "A short, striking phrase that stands in for an argument.",
        "Our streets, our rules!"),
    technique!("Conversation_Killer", "Conversation killer", Call,
        "A phrase meant to end discussion or critical thought.",
        "It is what it is, and there is nothing more to say."),
    technique!("Appeal_to_Time", "Appeal to time", Call,
        "Argues that the moment has come to act, with urgency standing in for reasons.",
        "The time for talk is over: we must act tonight."),
    technique!("Loaded_Language", "Loaded language", ManipulativeWording,
        "Words or phrases with strong emotional charge used to sway the audience.",
        "The council's disastrous, reckless scheme will devastate our town."),
    technique!("Obfuscation-Vagueness-Confusion", "Obfuscation, vagueness or confusion", ManipulativeWording,
        "Deliberately unclear wording that lets the audience read in what they want.",
        "Certain measures will be taken at an appropriate time by the relevant people."),
    technique!("Exaggeration-Minimisation", "Exaggeration or minimisation", ManipulativeWording,
        "Makes something seem far larger, better or worse, or far smaller, than it is.",
        "This is the greatest scandal in human history."),
    technique!("Repetition", "Repetition", ManipulativeWording,
        "Repeats the same word, phrase or idea so that it sticks.",
        "They lied about the costs. They lied about the risks. They lied to you."),
];

/// The 14 frames of SemEval-2023 subtask 2, in the order of `frames_subtask2.txt`.
pub const FRAMES: [(&str, &str); 14] = [
    ("Economic", "Costs, benefits, money, jobs and the economy."),
    (
        "Capacity_and_resources",
        "Whether there is enough: people, money, time, infrastructure.",
    ),
    ("Morality", "Right and wrong, religious or ethical duty."),
    (
        "Fairness_and_equality",
        "Who is treated equally or unequally, and who deserves what.",
    ),
    (
        "Legality_Constitutionality_and_jurisprudence",
        "Laws, rights, courts and constitutions.",
    ),
    (
        "Policy_prescription_and_evaluation",
        "Whether a policy will work and what should be done.",
    ),
    (
        "Crime_and_punishment",
        "Breaking laws, enforcement, sentences.",
    ),
    (
        "Security_and_defense",
        "Threats to a nation or a people, war, defence, terrorism.",
    ),
    (
        "Health_and_safety",
        "Health care, disease, safety of people.",
    ),
    (
        "Quality_of_life",
        "Effects on people's well-being, comfort and daily life.",
    ),
    (
        "Cultural_identity",
        "Traditions, customs and values of a group.",
    ),
    (
        "Public_opinion",
        "What the public thinks: polls, protests, popularity.",
    ),
    ("Political", "Parties, elections, political manoeuvring."),
    (
        "External_regulation_and_reputation",
        "A country's standing and relations with others.",
    ),
];

/// The 3 genres of SemEval-2023 subtask 1.
pub const GENRES: [(&str, &str); 3] = [
    (
        "opinion",
        "Argues a point of view: editorials, columns, commentary.",
    ),
    (
        "reporting",
        "Reports events and statements, attributing claims to sources.",
    ),
    (
        "satire",
        "Mocks its subject through irony or exaggeration, presented as news.",
    ),
];

/// Look a technique up by its SemEval label. Accepts the known misspelling of the English training
/// data (`Appeal_to_Fear-Prejudi-čce`).
pub fn technique(label: &str) -> Option<&'static Technique> {
    let label = label.trim();
    let label = if label == "Appeal_to_Fear-Prejudi-čce" {
        "Appeal_to_Fear-Prejudice"
    } else {
        label
    };
    TECHNIQUES.iter().find(|t| t.label == label)
}

/// Whether `label` is one of the 14 frames.
pub fn is_frame(label: &str) -> bool {
    FRAMES.iter().any(|(f, _)| *f == label.trim())
}

/// Whether `label` is one of the 3 genres.
pub fn is_genre(label: &str) -> bool {
    GENRES.iter().any(|(g, _)| *g == label.trim())
}

/// The whole taxonomy as one JSON document (`categories`, `techniques`, `frames`, `genres`): what
/// `rhetor techniques --json` prints and `GET /api/techniques` returns.
pub fn to_json() -> serde_json::Value {
    let techniques: Vec<_> = TECHNIQUES
        .iter()
        .map(|t| {
            serde_json::json!({
                "label": t.label, "name": t.name, "category": t.category.id(),
                "definition": t.definition, "example": t.example,
            })
        })
        .collect();
    let categories: Vec<_> = Category::ALL
        .iter()
        .map(
            |c| serde_json::json!({"id": c.id(), "name": c.name(), "description": c.description()}),
        )
        .collect();
    let frames: Vec<_> = FRAMES
        .iter()
        .map(|(l, d)| serde_json::json!({"label": l, "description": d}))
        .collect();
    let genres: Vec<_> = GENRES
        .iter()
        .map(|(l, d)| serde_json::json!({"label": l, "description": d}))
        .collect();
    serde_json::json!({
        "categories": categories, "techniques": techniques, "frames": frames, "genres": genres,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_three_unique_techniques_in_six_categories() {
        let mut labels: Vec<_> = TECHNIQUES.iter().map(|t| t.label).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), 23);
        for c in Category::ALL {
            assert!(TECHNIQUES.iter().any(|t| t.category == c), "{c:?} empty");
        }
        assert_eq!(
            TECHNIQUES
                .iter()
                .filter(|t| t.category == Category::ManipulativeWording)
                .count(),
            4
        );
    }

    #[test]
    fn lookup_and_known_misspelling() {
        assert_eq!(
            technique("Appeal_to_Fear-Prejudi-čce").map(|t| t.label),
            Some("Appeal_to_Fear-Prejudice")
        );
        assert!(technique("Not_A_Technique").is_none());
        assert!(is_frame("Political"));
        assert!(is_genre("satire"));
    }

    /// The label lists must equal the organisers' files when the data is present.
    #[test]
    fn labels_match_official_lists() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/semeval2023/scorers");
        let (Ok(t), Ok(f)) = (
            std::fs::read_to_string(dir.join("techniques_subtask3.txt")),
            std::fs::read_to_string(dir.join("frames_subtask2.txt")),
        ) else {
            eprintln!(
                "skipped: SemEval label lists not found under {}",
                dir.display()
            );
            return;
        };
        let mut ours: Vec<_> = TECHNIQUES.iter().map(|t| t.label).collect();
        let mut theirs: Vec<_> = t.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(ours, theirs);
        let frames: Vec<_> = f.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let ours: Vec<_> = FRAMES.iter().map(|(f, _)| *f).collect();
        assert_eq!(ours, frames);
    }
}
