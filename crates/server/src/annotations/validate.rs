//! A client's stroke checked at the edge: known tool and colour, size in range, a well-formed
//! id, bounded finite points inside the page, text only where it belongs. A refusal names what
//! is wrong; nothing of a refused message is kept or relayed.

use amphi_proto::{
    AnnotationPage, AnnotationTool, MAX_POINTS_PER_MESSAGE, MAX_STROKE_ID, MAX_STROKE_POINTS,
    MAX_STROKE_SIZE, MAX_TEXT_CHARS, Point, StrokeInput,
};

use super::Refusal;

/// A stroke id: 1 to 32 of `[A-Za-z0-9_-]`.
pub fn stroke_id(id: &str) -> Result<(), Refusal> {
    let ok = !id.is_empty()
        && id.len() <= MAX_STROKE_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Refusal::Invalid(format!(
            "a stroke id is 1 to {MAX_STROKE_ID} of A-Z a-z 0-9 _ -"
        )))
    }
}

/// Pages count from 1 (an image is page 1).
pub fn page(page: &AnnotationPage) -> Result<(), Refusal> {
    if page.page == 0 {
        return Err(Refusal::Invalid("pages count from 1".into()));
    }
    Ok(())
}

/// 1 to [`MAX_POINTS_PER_MESSAGE`] points, each coordinate finite and within 0..=1.
pub fn points(points: &[Point]) -> Result<(), Refusal> {
    if points.is_empty() || points.len() > MAX_POINTS_PER_MESSAGE {
        return Err(Refusal::Invalid(format!(
            "a message carries 1 to {MAX_POINTS_PER_MESSAGE} points, not {}",
            points.len()
        )));
    }
    let inside = |v: f32| v.is_finite() && (0.0..=1.0).contains(&v);
    if let Some(p) = points.iter().find(|p| !inside(p.0) || !inside(p.1)) {
        return Err(Refusal::Invalid(format!(
            "point [{}, {}] is outside the page: coordinates go from 0 to 1",
            p.0, p.1
        )));
    }
    Ok(())
}

/// A whole new stroke: its id, size, points for its tool, and text for `text` only.
pub fn stroke(input: &StrokeInput) -> Result<(), Refusal> {
    stroke_id(&input.id)?;
    if input.size == 0 || input.size > MAX_STROKE_SIZE {
        return Err(Refusal::Invalid(format!(
            "size goes from 1 to {MAX_STROKE_SIZE}, not {}",
            input.size
        )));
    }
    points(&input.points)?;
    let n = input.points.len();
    let wanted = match input.tool {
        AnnotationTool::Pen | AnnotationTool::Highlighter => None,
        AnnotationTool::Arrow | AnnotationTool::Rectangle => Some(2),
        AnnotationTool::Text => Some(1),
    };
    if let Some(wanted) = wanted
        && n != wanted
    {
        return Err(Refusal::Invalid(format!(
            "{:?} strokes have {wanted} point(s), not {n}",
            input.tool
        )));
    }
    if n > MAX_STROKE_POINTS {
        return Err(Refusal::Invalid(format!(
            "a stroke has at most {MAX_STROKE_POINTS} points"
        )));
    }
    match (input.tool, &input.text) {
        (AnnotationTool::Text, Some(text)) => self::text(text),
        (AnnotationTool::Text, None) => {
            Err(Refusal::Invalid("a text stroke needs its text".into()))
        }
        (_, Some(_)) => Err(Refusal::Invalid("only text strokes carry text".into())),
        (_, None) => Ok(()),
    }
}

/// 1 to [`MAX_TEXT_CHARS`] characters once trimmed, no control characters.
fn text(text: &str) -> Result<(), Refusal> {
    let trimmed = text.trim();
    let chars = trimmed.chars().count();
    if chars == 0 || chars > MAX_TEXT_CHARS {
        return Err(Refusal::Invalid(format!(
            "a text annotation has 1 to {MAX_TEXT_CHARS} characters, not {chars}"
        )));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(Refusal::Invalid(
            "a text annotation holds no control characters".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use amphi_proto::AnnotationColor;

    fn input(tool: AnnotationTool, points: Vec<Point>, text: Option<&str>) -> StrokeInput {
        StrokeInput {
            id: "s1".into(),
            tool,
            color: AnnotationColor::Red,
            size: 2,
            points,
            text: text.map(str::to_owned),
        }
    }

    #[test]
    fn good_strokes_pass() {
        let two = vec![Point(0.0, 0.0), Point(1.0, 1.0)];
        assert!(stroke(&input(AnnotationTool::Pen, two.clone(), None)).is_ok());
        assert!(stroke(&input(AnnotationTool::Arrow, two.clone(), None)).is_ok());
        assert!(stroke(&input(AnnotationTool::Rectangle, two, None)).is_ok());
        let one = vec![Point(0.5, 0.5)];
        assert!(stroke(&input(AnnotationTool::Text, one, Some("Look here"))).is_ok());
    }

    #[test]
    fn malformed_strokes_are_refused() {
        let out = vec![Point(0.2, 1.5)];
        assert!(stroke(&input(AnnotationTool::Pen, out, None)).is_err());
        let negative = vec![Point(-0.1, 0.5)];
        assert!(stroke(&input(AnnotationTool::Pen, negative, None)).is_err());
        let nan = vec![Point(f32::NAN, 0.5)];
        assert!(stroke(&input(AnnotationTool::Pen, nan, None)).is_err());
        assert!(stroke(&input(AnnotationTool::Pen, Vec::new(), None)).is_err());
        let many = vec![Point(0.1, 0.1); MAX_POINTS_PER_MESSAGE + 1];
        assert!(stroke(&input(AnnotationTool::Pen, many, None)).is_err());
        let one = vec![Point(0.1, 0.1)];
        assert!(stroke(&input(AnnotationTool::Arrow, one.clone(), None)).is_err());
        assert!(stroke(&input(AnnotationTool::Text, one.clone(), None)).is_err());
        assert!(stroke(&input(AnnotationTool::Text, one.clone(), Some("  "))).is_err());
        assert!(stroke(&input(AnnotationTool::Text, one.clone(), Some("a\u{7}b"))).is_err());
        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        assert!(stroke(&input(AnnotationTool::Text, one.clone(), Some(&long))).is_err());
        assert!(stroke(&input(AnnotationTool::Pen, one.clone(), Some("no"))).is_err());
        let mut bad_size = input(AnnotationTool::Pen, one.clone(), None);
        bad_size.size = 0;
        assert!(stroke(&bad_size).is_err());
        bad_size.size = MAX_STROKE_SIZE + 1;
        assert!(stroke(&bad_size).is_err());
        for id in ["", "has space", "é", &"a".repeat(MAX_STROKE_ID + 1)] {
            let mut bad_id = input(AnnotationTool::Pen, one.clone(), None);
            bad_id.id = id.to_owned();
            assert!(stroke(&bad_id).is_err(), "{id:?}");
        }
    }
}
