"""The clinic's public pages (/c/harbor/...), written by the clinic admin."""

from ketacare.clinics.actions import do_save_clinic_page
from ketacare.site.demo.organisation_and_staff import DemoClinic

# (title, slug, body), in the order the pages are listed.
PAGES = [
    (
        "What is ketamine therapy",
        "what-is-ketamine-therapy",
        """\
Ketamine is a medicine that has been used in anaesthesia for decades. At much lower doses it is used to treat depression that has not got better with other treatments. For depression this use of ketamine is "off-label": it is not an FDA-approved indication, but it has been studied in clinical trials.

Esketamine (Spravato) is a nasal spray made from one form of ketamine. It is approved by the US FDA for adults with treatment-resistant depression, and for depressive symptoms in adults with major depressive disorder who have suicidal thoughts or actions.

We offer two treatments.

Ketamine infusion: ketamine is given through a drip into a vein (IV), usually 0.5 mg for each kilogram of body weight, over about 40 minutes. A first course is typically six infusions over two to three weeks.

Esketamine nasal spray: you use the spray yourself in the clinic, with our staff watching, under the Spravato REMS safety programme. It is never taken home. Treatment usually starts twice a week for four weeks, then becomes less frequent.

Ketamine treatment usually works alongside your other care, such as antidepressant medicine and talking therapy, rather than replacing it. Your prescriber will explain which option, if either, suits you.""",
    ),
    (
        "Who it may help",
        "who-it-may-help",
        """\
Ketamine treatment is considered for adults whose depression has not improved enough after at least two antidepressant medicines, each taken at a good dose for long enough. This is often called treatment-resistant depression.

Many people we see also live with anxiety or post-traumatic stress alongside depression. The evidence for ketamine is strongest for depression; for other conditions we will tell you honestly what is and is not known.

Ketamine is not right for everyone. Before any treatment, a prescriber reviews your mental and physical health, including any history of psychosis, alcohol or drug use, high blood pressure, disease of the heart or blood vessels (such as an aneurysm), or bleeding in the brain, and every medicine you take. Some of these mean ketamine or esketamine would not be safe for you.

If ketamine is not a good fit, we will explain why and help you think about other options with your own clinicians.""",
    ),
    (
        "What to expect",
        "what-to-expect",
        """\
It starts with a consultation request. Our team will call you to talk through your history and, with your permission, ask your current clinicians for records.

Next you meet one of our prescribers. You will talk about your symptoms, past treatments, health and goals, and about the benefits and risks of treatment. If you decide to go ahead, you sign a consent form and we plan a course of treatment with you.

On a treatment day we check your blood pressure, heart rate and how you are feeling, and you fill in a short questionnaire. During treatment you rest in a quiet, comfortable chair while a nurse looks after you. Many people feel detached, dreamy or unusual for a while (this is called dissociation), and some feel sleepy or sick. These effects usually fade within an hour or two.

For an infusion, plan to be with us for about two hours. For esketamine, you stay with us for at least two hours after your dose, and until we are sure you are ready to leave.

During your course you will answer short questionnaires, so that you and your prescriber can see whether the treatment is helping.""",
    ),
    (
        "Safety",
        "safety",
        """\
Ketamine and esketamine are given only here in the clinic, by trained staff, with monitoring equipment at hand.

We check your blood pressure before your dose and again during and after treatment. Ketamine can raise blood pressure for a while; if yours is too high beforehand, we may delay treatment. We also watch your breathing and oxygen level.

Esketamine (Spravato) is only available through a safety programme required by the FDA, the Spravato REMS. Under it, a healthcare professional monitors you in the clinic for at least two hours after each dose, and until you are ready to leave.

Do not drive, cycle or operate machinery on a treatment day. Wait until the next day, after a restful night's sleep. Arrange for someone to take you home.

Ketamine can be misused. We store it securely and account for every dose, and we will talk with you about any past or current alcohol or drug use.

Tell us about every medicine you take, including sleeping tablets, benzodiazepines, stimulants, opioids and MAOIs, and about any change in your health between sessions.

This clinic is not an emergency service. If you are thinking about suicide or are in crisis, call or text 988 (Suicide & Crisis Lifeline, US) or call 911, or go to the nearest emergency department.""",
    ),
    (
        "Preparing for your session",
        "preparing-for-your-session",
        """\
Arrange a driver. You must not drive until the next day, after a restful night's sleep, so plan for someone to take you home.

Follow the fasting instructions we give you when you book. For esketamine the usual advice is no food for 2 hours and no drinks for 30 minutes before your dose, because some people feel sick. If you use a nasal steroid or decongestant spray, use it at least an hour before an esketamine dose.

Take your usual medicines unless your prescriber has told you otherwise. Bring a list of everything you take, and tell us if anything has changed.

Do not drink alcohol on a treatment day.

Wear comfortable clothes. You may like to bring headphones with calming music, or an eye mask.

If you feel unwell, have a new health problem, or have had high blood pressure readings, call us before your appointment.""",
    ),
]


def write_public_pages(clinic: DemoClinic) -> None:
    for position, (title, slug, body) in enumerate(PAGES, start=1):
        do_save_clinic_page(
            clinic.admin, organisation=clinic.organisation, title=title, slug=slug, body=body, position=position * 10
        )
