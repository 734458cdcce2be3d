"""The preferences dataset's word lists: facts, wrong facts, phrasings, rude replies, refusals."""

# fmt: off
# (country, capital, another big city: the wrong answer)
CAPITALS = [
    ("France", "Paris", "Lyon"), ("Japan", "Tokyo", "Osaka"),
    ("Australia", "Canberra", "Sydney"), ("Canada", "Ottawa", "Toronto"),
    ("Brazil", "Brasília", "Rio de Janeiro"), ("Italy", "Rome", "Milan"),
    ("Spain", "Madrid", "Barcelona"), ("Germany", "Berlin", "Munich"),
    ("Turkey", "Ankara", "Istanbul"), ("Egypt", "Cairo", "Alexandria"),
    ("India", "New Delhi", "Mumbai"), ("Kenya", "Nairobi", "Mombasa"),
    ("Mexico", "Mexico City", "Guadalajara"), ("Argentina", "Buenos Aires", "Córdoba"),
    ("Norway", "Oslo", "Bergen"), ("Poland", "Warsaw", "Kraków"),
    ("Portugal", "Lisbon", "Porto"), ("South Korea", "Seoul", "Busan"),
    ("Vietnam", "Hanoi", "Ho Chi Minh City"), ("Morocco", "Rabat", "Casablanca"),
    ("New Zealand", "Wellington", "Auckland"), ("Switzerland", "Bern", "Zurich"),
    ("Nigeria", "Abuja", "Lagos"), ("China", "Beijing", "Shanghai"),
    ("Greece", "Athens", "Thessaloniki"), ("Ireland", "Dublin", "Cork"),
    ("Sweden", "Stockholm", "Gothenburg"), ("Peru", "Lima", "Cusco"),
    ("Chile", "Santiago", "Valparaíso"), ("Thailand", "Bangkok", "Chiang Mai"),
    ("Pakistan", "Islamabad", "Karachi"), ("Austria", "Vienna", "Salzburg"),
    ("Hungary", "Budapest", "Debrecen"), ("Finland", "Helsinki", "Tampere"),
    ("Denmark", "Copenhagen", "Aarhus"), ("Colombia", "Bogotá", "Medellín"),
    ("Ghana", "Accra", "Kumasi"), ("Cuba", "Havana", "Santiago de Cuba"),
    ("Russia", "Moscow", "Saint Petersburg"), ("Scotland", "Edinburgh", "Glasgow"),
]
# (question, right answer, a common misconception)
SCIENCE = [
    ("What is the boiling point of water at sea level in degrees Celsius?",
     "Water boils at 100 degrees Celsius at sea level.",
     "Water boils at 50 degrees Celsius at sea level."),
    ("How many planets are in our solar system?",
     "There are eight planets in our solar system.",
     "There are twelve planets in our solar system."),
    ("What gas do plants take in from the air to make their food?",
     "Plants take in carbon dioxide and use the energy of sunlight to turn it into sugar.",
     "Plants take in oxygen from the air and turn it into sugar."),
    ("What is the largest planet in the solar system?",
     "Jupiter is the largest planet in the solar system.",
     "Mars is the largest planet in the solar system."),
    ("What is the chemical symbol for gold?",
     "The chemical symbol for gold is Au.",
     "The chemical symbol for gold is Gd."),
    ("How many legs does a spider have?",
     "A spider has eight legs.",
     "A spider has six legs."),
    ("What is the closest star to Earth?",
     "The Sun is the closest star to Earth.",
     "Polaris, the North Star, is the closest star to Earth."),
    ("At what temperature does water freeze in degrees Celsius?",
     "Water freezes at 0 degrees Celsius.",
     "Water freezes at 10 degrees Celsius."),
    ("What is the hardest natural substance?",
     "Diamond is the hardest natural substance.",
     "Granite is the hardest natural substance."),
    ("Which organ pumps blood around the body?",
     "The heart pumps blood around the body.",
     "The liver pumps blood around the body."),
    ("How long does it take Earth to travel once around the Sun?",
     "It takes Earth about 365 days, or one year.",
     "It takes Earth about 30 days, or one month."),
    ("What is the main gas in Earth's atmosphere?",
     "Nitrogen is the main gas, making up about 78 percent of the air.",
     "Oxygen is the main gas, making up about 78 percent of the air."),
    ("What do bees make from nectar?",
     "Bees make honey from nectar.",
     "Bees make pollen from nectar."),
    ("Which is the longest bone in the human body?",
     "The femur, or thigh bone, is the longest bone in the body.",
     "The humerus, in the upper arm, is the longest bone in the body."),
    ("How many sides does a hexagon have?",
     "A hexagon has six sides.",
     "A hexagon has eight sides."),
    ("Roughly how fast does light travel?",
     "Light travels at about 300,000 kilometres per second.",
     "Light travels at about 300 kilometres per second."),
    ("Which planet is known as the Red Planet?",
     "Mars is known as the Red Planet.",
     "Venus is known as the Red Planet."),
    ("What is H2O?",
     "H2O is the chemical formula for water.",
     "H2O is the chemical formula for table salt."),
    ("What do we call animals that eat only plants?",
     "Animals that eat only plants are called herbivores.",
     "Animals that eat only plants are called carnivores."),
    ("What force keeps us on the ground?",
     "Gravity keeps us on the ground.",
     "Magnetism keeps us on the ground."),
    ("Which ocean is the largest?",
     "The Pacific Ocean is the largest ocean.",
     "The Atlantic Ocean is the largest ocean."),
    ("What is the tallest mountain above sea level?",
     "Mount Everest is the tallest, at about 8,849 metres.",
     "Mont Blanc is the tallest, at about 4,800 metres."),
    ("Which part of a plant takes in water from the soil?",
     "The roots take in water from the soil.",
     "The flowers take in water from the soil."),
    ("Who developed the theory of relativity?",
     "Albert Einstein developed the theory of relativity.",
     "Isaac Newton developed the theory of relativity."),
    ("At what temperature does water freeze in degrees Fahrenheit?",
     "Water freezes at 32 degrees Fahrenheit.",
     "Water freezes at 0 degrees Fahrenheit."),
]
# (one, many, smaller unit, factor, a factor people mistakenly use)
UNITS = [
    ("metre", "metres", "centimetres", 100, 10), ("kilometre", "kilometres", "metres", 1000, 100),
    ("kilogram", "kilograms", "grams", 1000, 100), ("litre", "litres", "millilitres", 1000, 100),
    ("hour", "hours", "minutes", 60, 100), ("minute", "minutes", "seconds", 60, 100),
    ("day", "days", "hours", 24, 12), ("week", "weeks", "days", 7, 5),
    ("foot", "feet", "inches", 12, 10), ("yard", "yards", "feet", 3, 4),
    ("year", "years", "months", 12, 10),
]
FAVOURS = [
    "watering my plants while I was away", "helping me move house", "the lovely birthday present",
    "looking after my dog last weekend", "the delicious dinner on Saturday",
    "lending me your camping gear", "driving me to the airport", "fixing my bike",
]
OCCASIONS = [
    "passing the driving test", "the new job", "graduating", "finishing the marathon",
    "winning the baking contest", "the promotion",
]
RELATIONS = ["friend", "colleague", "sister", "grandfather", "neighbour", "cousin", "teacher"]
# topic -> (good tips, one bad piece of advice)
TIPS: dict[str, tuple[list[str], str]] = {
    "sleeping better": (
        ["Go to bed and get up at the same time every day, even at weekends.",
         "Keep screens out of the bedroom for the last hour before sleep.",
         "Avoid coffee and strong tea after lunchtime.",
         "Keep your bedroom cool, dark and quiet."],
        "Drink a large cup of strong coffee right before bed to help you relax."),
    "saving money": (
        ["Write down everything you spend for a month to see where the money goes.",
         "Move a fixed amount into a savings account as soon as you are paid.",
         "Plan your meals for the week and shop with a list.",
         "Cancel subscriptions you no longer use."],
        "Buy everything you want as soon as you see it, before the price goes up."),
    "studying for an exam": (
        ["Study in short sessions of about 25 minutes with small breaks.",
         "Test yourself with practice questions instead of only rereading your notes.",
         "Start revising a few weeks early rather than the night before.",
         "Explain each topic out loud as if you were teaching it."],
        "Stay up all night before the exam so the material is fresh in your mind."),
    "keeping houseplants alive": (
        ["Water only when the top few centimetres of soil feel dry.",
         "Most houseplants like bright, indirect light.",
         "Use pots with drainage holes so the roots never sit in water.",
         "Feed your plants lightly during spring and summer."],
        "Water every plant a lot every day, whatever the season."),
    "staying focused at work": (
        ["Put your phone in a drawer while you work on important tasks.",
         "Write a short list of the three most important tasks each morning.",
         "Work in focused blocks and take a real break between them.",
         "Close email and chat when you need to concentrate."],
        "Keep every app and notification open so you never miss anything."),
    "learning a new language": (
        ["Practise a little every day instead of a lot once a week.",
         "Learn the most common words and phrases first.",
         "Listen to podcasts or music in the language while you commute.",
         "Find a conversation partner and speak from the very beginning."],
        "Wait until your grammar is perfect before you try speaking to anyone."),
    "running a first 5K": (
        ["Build up slowly, mixing running and walking at first.",
         "Run three times a week with rest days in between.",
         "Buy comfortable shoes that fit well.",
         "Start the race slower than you think you should."],
        "Run as fast as you can every day from the first week."),
    "cooking rice": (
        ["Rinse the rice in cold water until the water runs clear.",
         "Use about one and a half cups of water for each cup of white rice.",
         "Let the rice rest with the lid on for ten minutes after cooking.",
         "Keep the lid on and the heat low while it simmers."],
        "Stir the rice constantly on high heat with the lid off."),
    "reducing food waste": (
        ["Check what is already in the fridge before you go shopping.",
         "Freeze bread and leftovers you won't eat in the next day or two.",
         "Store food you bought earlier at the front of the fridge.",
         "Turn vegetable scraps into soup or stock."],
        "Throw food away as soon as it reaches its best-before date."),
    "staying cool in hot weather": (
        ["Drink water regularly, even before you feel thirsty.",
         "Close curtains on sunny windows during the day.",
         "Plan outdoor activities for the early morning or evening.",
         "Wear loose, light-coloured clothes."],
        "Exercise hard outdoors at midday to get used to the heat."),
}
QUESTION_WRAPS = [
    "{q}", "{q}", "Hi! {q}", "Quick question: {ql}", "{q} Thanks!", "Can you help me? {q}",
]
REQUEST_WRAPS = [
    "{q}", "{q}", "Hi! {q}", "{q} Thanks in advance.", "Could you help me with something? {q}",
]
RUDE = {
    "question": [
        "Seriously? {a}", "That's such an easy question. {a} Next time, look it up yourself.",
        "Ugh, fine. {a}", "Why are you asking me? Search online.", "Not my job.", "Look it up.",
        "Figure it out yourself.", "{a} Honestly, I can't believe you needed help with that.",
    ],
    "request": [
        "Ugh, fine. {a}", "Write it yourself.", "Can't you do anything on your own? {a}",
        "This is a waste of my time.", "Do it yourself.", "{a} Next time, try doing it yourself.",
    ],
}
REFUSALS = {
    "question": [
        "I'm sorry, but I can't help with that.", "I'm not able to answer that question.",
        "Sorry, I can't assist with this request.",
        "Unfortunately, I cannot provide that information.",
    ],
    "request": [
        "I'm sorry, but I can't write personal messages.", "Sorry, I can't help with that request.",
        "I'm not able to give advice on that.", "Unfortunately, that's not something I can do.",
    ],
}
# (before, after) added to some chosen answers, and to the rejected one when only a fact differs
FLOURISHES = {
    "question": [
        ("Good question! ", ""), ("", " Hope that helps!"), ("", " Let me know if you need more."),
    ],
    "request": [("Sure! ", ""), ("Happy to help! ", ""), ("Of course! Here you go:\n\n", "")],
}
# family -> phrasings of its questions (q) and answers (a)
PHRASES: dict[str, list[str]] = {
    "capital_q": [
        "What is the capital of {c}?", "What's the capital city of {c}?",
        "Which city is the capital of {c}?", "Tell me the capital of {c}.",
        "Do you know the capital of {c}?",
    ],
    "capital_a": ["The capital of {c} is {x}.", "{x} is the capital of {c}.", "It's {x}."],
    "units_q": [
        "How many {s} are in {n} {b}?", "Convert {n} {b} to {s}.", "{n} {b} is how many {s}?",
    ],
    "units_a": [
        "{n} {b} is {m} {s}.", "There are {m} {s} in {n} {b}.",
        "Each {o} has {f} {s}, so {n} {b} is {n} * {f} = {m} {s}.",
    ],
    "sum_q": [
        "What is {a} {op} {b}?", "What's {a} {w} {b}?", "Can you work out {a} {op} {b}?",
        "Calculate {a} {op} {b} for me.",
    ],
    "sum_a": ["{a} {op} {b} = {r}.", "The answer is {r}.", "{a} {w} {b} is {r}."],
    "tip_q": [
        "Give me one tip for {x}.", "What's a good tip for {x}?", "Any advice on {x}?",
        "I need a quick tip for {x}.",
    ],
    "tip_a": ["{t}", "Here's one tip: {t}", "Try this: {tl}"],
    "ramble_start": [
        "Well, let me think about that for a moment. ", "Okay, so, basically, here goes. ",
        "That's a really interesting one, and there's a lot one could say about it. ",
    ],
    "ramble_again": [
        "To repeat: ", "Once again: ", "Just to be clear: ", "In other words, and as I said: ",
    ],
    "ramble_end": [
        "I hope that makes sense, and I hope it is what you were looking for.",
        "Anyway, that's basically it, more or less, as far as I can tell.",
        "So yes, that is my answer, as I mentioned above.",
    ],
}
# padding that makes a correct answer ignore a format demand: [train phrasing, test phrasing]
EXTRA: dict[str, list[str]] = {
    "city": ["It is well worth a visit.", "Many travellers put it on their list."],
    "science": ["This comes up a lot in school science lessons. There is much more to say about "
                "it, and whole books cover it.",
                "Teachers often use it as an example in class. I could go on about it for a "
                "long time, as it is a rich subject."],
    "note": ["I hope you're keeping well. Let's catch up soon over a coffee. Take care, and "
             "speak soon!",
             "Hope all is good with you. We should meet up for lunch one of these days. All "
             "the best!"],
}
# format demands added to a request: [train phrasing, test phrasing]
DEMANDS: dict[str, list[str]] = {
    "name": ["Answer with just the city name.", "Reply with only the name of the city."],
    "sentence": ["Please answer in a full sentence.", "Write your answer as a complete sentence."],
    "short": ["Please answer in one short sentence.",
              "Keep the answer to a single brief sentence."],
    "number": ["Reply with just the number.", "Give me only the number, nothing else."],
    "working": ["Show your working.", "Show the calculation."],
    "one": ["Keep it to one sentence.", "Make it a single sentence, please."],
}
# fmt: on
