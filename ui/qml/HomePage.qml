import QtQuick

// Home: a hero for the focused title over rows of posters (Continue watching, New, genres).
FocusScope {
    id: page
    signal openTitle(string titleId)
    signal openSearch()

    readonly property var focusedTitle: rowsView.currentItem ? rowsView.currentItem.currentItem : null
    property var heroTitle: null
    onFocusedTitleChanged: if (focusedTitle) { heroTitle = focusedTitle; prefetchTimer.restart() }
    // Ask for the synopsis once focus rests on a title, not for every poster passed on the way.
    Timer { id: prefetchTimer; interval: 250; onTriggered: if (page.heroTitle) browse.prefetch(page.heroTitle.id) }

    Rectangle { anchors.fill: parent; color: Theme.background }

    // -- hero -------------------------------------------------------------------------------------
    Item {
        id: hero
        objectName: "hero"
        anchors { left: parent.left; right: parent.right; top: parent.top }
        height: Math.round(parent.height * 0.5)
        visible: browse.homeState === "ready"

        Backdrop {
            id: heroArt
            anchors.fill: parent
            source: page.heroTitle ? page.heroTitle.backdrop : ""
        }
        Column {
            anchors { left: parent.left; leftMargin: Theme.margin; bottom: parent.bottom; bottomMargin: Theme.px(28) }
            width: parent.width * 0.46
            spacing: Theme.px(12)
            Label {
                objectName: "heroTitle"
                width: parent.width
                text: page.heroTitle ? page.heroTitle.title : ""
                size: Theme.fontHero
                font.weight: Font.Bold
                font.letterSpacing: -Theme.px(1)
                wrapMode: Text.WordWrap
                maximumLineCount: 2
            }
            MetaLine { title: page.heroTitle }
            Label {
                objectName: "heroSynopsis"
                width: parent.width
                text: { browse.knownRevision; return page.heroTitle ? browse.synopsisOf(page.heroTitle.id) : "" }
                size: Theme.fontBody
                color: Theme.textDim
                wrapMode: Text.WordWrap
                maximumLineCount: 3
                lineHeight: 1.2
            }
            Label {
                visible: text !== ""
                width: parent.width
                text: page.heroTitle && page.heroTitle.progress > 0
                      ? Theme.runtime(page.heroTitle.durationS - page.heroTitle.progressS) + " left"
                      : ""
                size: Theme.fontSmall
                color: Theme.accent
                font.weight: Font.DemiBold
            }
        }
    }

    // -- top bar ----------------------------------------------------------------------------------
    Item {
        id: topBar
        anchors { left: parent.left; right: parent.right; top: parent.top }
        height: Theme.px(96)
        Rectangle {
            anchors.fill: parent
            gradient: Gradient {
                GradientStop { position: 0.0; color: Qt.rgba(0, 0, 0, 0.55) }
                GradientStop { position: 1.0; color: "transparent" }
            }
        }
        Label {
            id: brand
            anchors { left: parent.left; leftMargin: Theme.margin; verticalCenter: parent.verticalCenter }
            text: "MARQUEE"
            size: Theme.fontHeading
            font.weight: Font.Bold
            font.letterSpacing: Theme.px(5)
            color: Theme.accent
        }
        FocusScope {
            id: searchButton
            objectName: "searchButton"
            anchors { right: parent.right; rightMargin: Theme.margin; verticalCenter: parent.verticalCenter }
            width: searchRow.implicitWidth + Theme.px(40)
            height: Theme.px(48)
            KeyNavigation.down: rowsView
            Keys.onReturnPressed: page.openSearch()
            Keys.onEnterPressed: page.openSearch()
            Rectangle {
                anchors.fill: parent
                radius: height / 2
                color: searchButton.activeFocus ? Theme.text : Qt.rgba(1, 1, 1, 0.12)
                Behavior on color { ColorAnimation { duration: Theme.fast } }
            }
            Row {
                id: searchRow
                anchors.centerIn: parent
                spacing: Theme.px(10)
                Icon {
                    name: "search"
                    width: Theme.px(20); height: width
                    anchors.verticalCenter: parent.verticalCenter
                    color: searchButton.activeFocus ? Theme.accentText : Theme.text
                }
                Label {
                    text: "Search"
                    size: Theme.fontSmall
                    font.weight: Font.DemiBold
                    color: searchButton.activeFocus ? Theme.accentText : Theme.text
                    anchors.verticalCenter: parent.verticalCenter
                }
            }
            MouseArea { anchors.fill: parent; cursorShape: Qt.PointingHandCursor; onClicked: page.openSearch() }
        }
    }

    // -- rows -------------------------------------------------------------------------------------
    ListView {
        id: rowsView
        objectName: "rowsView"
        anchors { left: parent.left; right: parent.right; top: hero.bottom; bottom: parent.bottom }
        visible: browse.homeState === "ready"
        clip: true
        focus: true
        model: browse.rows
        spacing: Theme.px(4)
        keyNavigationEnabled: true
        highlightRangeMode: ListView.StrictlyEnforceRange
        preferredHighlightBegin: 0
        preferredHighlightEnd: Theme.px(40)
        highlightMoveDuration: Theme.normal * 1.6
        highlightMoveVelocity: -1
        boundsBehavior: Flickable.StopAtBounds
        cacheBuffer: Theme.posterHeight * 3
        // A reset model leaves no current row; the first row is where browsing starts.
        onCountChanged: if (currentIndex < 0 && count > 0) currentIndex = 0
        Keys.onUpPressed: {
            if (currentIndex > 0) decrementCurrentIndex()
            else searchButton.forceActiveFocus()
        }
        delegate: PosterRow {
            required property string rowTitle
            required items
            required property int index
            width: ListView.view.width
            title: rowTitle
            focus: ListView.isCurrentItem
            opacity: ListView.isCurrentItem || !rowsView.activeFocus ? 1 : 0.7
            Behavior on opacity { NumberAnimation { duration: Theme.normal } }
            onActivated: function (titleId) {
                rowsView.currentIndex = index
                page.openTitle(titleId)
            }
        }
    }

    // -- loading and failure ----------------------------------------------------------------------
    Spinner {
        anchors.centerIn: parent
        visible: browse.homeState === "loading" || browse.homeState === "idle"
    }
    MessagePanel {
        id: failure
        objectName: "homeError"
        anchors.centerIn: parent
        width: implicitWidth
        visible: browse.homeState === "error"
        focus: visible
        heading: "Couldn't load the catalog"
        detail: browse.homeError
        actionText: "Try again"
        onAction: browse.loadHome()
    }
    Label {
        anchors.centerIn: parent
        visible: browse.homeState === "ready" && rowsView.count === 0
        text: "The catalog is empty."
        color: Theme.textDim
    }
}
